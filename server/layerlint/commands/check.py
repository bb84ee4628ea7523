"""`layerlint check PATH...`: analyse files, directories and notebooks; print text or JSON.

Exit codes: 0 no finding at or above `--fail-on`; 1 findings; 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from layerlint.analysis import analyse
from layerlint.config import Settings, load_settings, settings_from_mapping
from layerlint.findings import Finding, Severity
from layerlint.notebooks import NotebookError, notebook_program

HELP = "Check Python files, folders and notebooks for model-code bugs."
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist",
                 ".ipynb_checkpoints", "site-packages"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (.py, .ipynb)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--select", help="comma-separated codes or prefixes to report")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes to skip")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity],
                        help="lowest severity that makes the exit code 1 (default: warning)")
    parser.add_argument("--keras-version", help="Keras version for version-aware rules")


def _cli_overrides(args: argparse.Namespace) -> dict:
    overrides: dict = {}
    if args.select:
        overrides["select"] = args.select.split(",")
    if args.ignore:
        overrides["ignore"] = args.ignore.split(",")
    if args.fail_on:
        overrides["fail_on"] = args.fail_on
    if args.keras_version:
        overrides["keras_version"] = args.keras_version
    return overrides


def iter_sources(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                if candidate.suffix in (".py", ".ipynb") and candidate.is_file() and not (
                    _SKIPPED_DIRS & set(candidate.relative_to(path).parts[:-1])
                ):
                    yield candidate
        else:
            yield path


def check_file(path: Path, settings: Settings) -> list[tuple[str, Finding]]:
    """Findings of one file as (display location prefix, finding) pairs."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        program = notebook_program(text)
        result = analyse(program.text, path=str(path), settings=settings)
        located = []
        for finding in result.findings:
            cell, line = program.locate(finding.span.line)
            located.append((f"{path}:cell {cell}:{line}", finding))
        return located
    result = analyse(text, path=str(path), settings=settings)
    return [(f"{path}:{finding.span.line}", finding) for finding in result.findings]


def run(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"layerlint: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    overrides = _cli_overrides(args)
    records: list[dict] = []
    failing = False
    for path in iter_sources(args.paths):
        settings = settings_from_mapping(overrides, load_settings(path))
        threshold = Severity(settings.fail_on).rank
        try:
            located = check_file(path, settings)
        except (OSError, NotebookError) as error:
            print(f"layerlint: cannot read {path}: {error}", file=sys.stderr)
            return 2
        for location, finding in located:
            failing = failing or finding.severity.rank >= threshold
            if args.format == "text":
                print(f"{location}:{finding.span.column}: {finding.code} [{finding.severity.value}] "
                      f"{finding.message}")
                for related in finding.related:
                    print(f"    {path}:{related.span.line}:{related.span.column}: {related.message}")
                for fix in finding.fixes:
                    print(f"    fix available: {fix.title}")
            else:
                record = finding.to_json(str(path))
                if path.suffix == ".ipynb":
                    cell, line = location.rsplit(":", 2)[-2:]
                    record["cell"] = int(cell.removeprefix("cell "))
                    record["cell_line"] = int(line)
                records.append(record)
    if args.format == "json":
        records.sort(key=lambda r: (r["path"], r["line"], r["column"], r["code"]))
        json.dump(records, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 1 if failing else 0
