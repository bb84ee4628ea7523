"""The command line: flags, which frameworks to run, and --check's comparison with the files.

The flags are documented in `scripts/generate_catalog.py`, the entry point users run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .catalog_files import describe_drift
from .framework_registry import FRAMEWORKS, installed_version
from .generation import generate
from .shape_records import RECORDS_DIR, describe_record_drift, generate_shape_records

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT_DIR = REPO_ROOT / "server" / "layerlint" / "analysis" / "catalog"
DESCRIPTION = (
    "Generate the layer catalog: facts about every built-in layer, measured from installed frameworks."
)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The flags of `scripts/generate_catalog.py`; `argv` None reads the process's own."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument(
        "--framework",
        action="append",
        choices=[*FRAMEWORKS, "all"],
        help="framework to probe; repeat for several (default: all installed)",
    )
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--check", action="store_true", help="fail if the files have drifted")
    parser.add_argument(
        "--shape-records",
        action="store_true",
        help="write the shape records (catalog/shape_records/<framework>.json) instead of the catalog",
    )
    parser.add_argument("--versioned", action="store_true", help="name files by major.minor: keras-3.9.json")
    parser.add_argument(
        "--keras-backend",
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="Keras 3 backend to probe with (default: $KERAS_BACKEND or tensorflow)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate, or with --check compare; exit 0 done or unchanged, 1 drifted, 2 not installed."""
    args = parse_arguments(argv)
    requested = args.framework or ["all"]
    if "all" in requested:
        frameworks = [name for name in FRAMEWORKS if installed_version(name)]
    else:
        frameworks = list(dict.fromkeys(requested))
    missing = [name for name in frameworks if not installed_version(name)]
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.shape_records:
        return _shape_records(args, frameworks)
    if not args.check:
        generate(frameworks, args.output_dir, args.versioned, args.keras_backend)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(frameworks, Path(scratch), args.versioned, args.keras_backend)
    drifted = False
    for file_name, catalog in fresh.items():
        path = args.output_dir / file_name
        expected = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        problems = describe_drift(expected, catalog)
        for problem in problems:
            print(f"{file_name}: {problem}")
        drifted = drifted or bool(problems)
    return 1 if drifted else 0


def _shape_records(args: argparse.Namespace, frameworks: list[str]) -> int:
    """--shape-records: generate them, or with --check compare them with the files."""
    if not args.check:
        for name in frameworks:
            generate_shape_records(name, args.output_dir, args.keras_backend)
        return 0
    drifted = False
    with tempfile.TemporaryDirectory() as scratch:
        for name in frameworks:
            fresh = generate_shape_records(name, Path(scratch), args.keras_backend)
            path = args.output_dir / RECORDS_DIR / f"{name}.json"
            expected = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            for problem in describe_record_drift(expected, fresh):
                print(f"{RECORDS_DIR}/{name}.json: {problem}")
                drifted = True
    return 1 if drifted else 0
