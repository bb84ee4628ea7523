"""`layerlint check PATH...`: analyse files, directories and notebooks; print text, JSON or
SARIF; `--fix` applies the quick-fixes in place.

Exit codes: 0 no finding at or above `--fail-on`; 1 findings; 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from layerlint.analysis import analyse
from layerlint.commands.file_write import write_fixed_source
from layerlint.config import Settings, load_settings, settings_from_mapping
from layerlint.findings import Finding, Severity
from layerlint.fixes import FixError, apply_fix
from layerlint.notebooks import NotebookError, notebook_program
from layerlint.sarif import to_sarif

HELP = "Check Python files, folders and notebooks for model-code bugs."
_MAX_FIX_ROUNDS = 50
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist",
                 ".ipynb_checkpoints", "site-packages"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (.py, .ipynb)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--fix", action="store_true",
                        help="apply every available quick-fix in place, then report what is left")
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
        result = analyse(program.text, path=str(path), settings=settings,
                         line_label=lambda line: "{1} of cell {0}".format(*program.locate(line)))
        located = []
        for finding in result.findings:
            cell, line = program.locate(finding.span.line)
            located.append((f"{path}:cell {cell}:{line}", finding))
        return located
    result = analyse(text, path=str(path), settings=settings)
    return [(f"{path}:{finding.span.line}", finding) for finding in result.findings]


def _related_location(path: Path, line: int) -> str:
    if path.suffix != ".ipynb":
        return f"{path}:{line}"
    cell, cell_line = notebook_program(path.read_text(encoding="utf-8")).locate(line)
    return f"{path}:cell {cell}:{cell_line}"


def fix_file(path: Path, settings: Settings) -> list[str]:
    """Apply available quick-fixes to a .py file until none is left; returns their titles."""
    applied: list[str] = []
    original = text = path.read_text(encoding="utf-8")
    for _ in range(_MAX_FIX_ROUNDS):
        proposals = [fix for f in analyse(text, path=str(path), settings=settings).findings
                     for fix in f.fixes]
        changed = False
        for proposal in proposals:
            try:
                new_text = apply_fix(text, proposal)
            except FixError:
                continue
            if new_text != text:
                text, changed = new_text, True
                applied.append(proposal.title)
                break  # positions of the other proposals are stale now: analyse again
        if not changed:
            break
    if applied and not write_fixed_source(path, original, text):
        return []
    return applied


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
            if args.fix and path.suffix == ".py":
                for title in fix_file(path, settings):
                    print(f"{path}: fixed: {title}", file=sys.stderr)
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
                    where = _related_location(path, related.span.line)
                    print(f"    {where}:{related.span.column}: {related.message}")
                for fix in finding.fixes:
                    print(f"    fix available: {fix.title}")
            else:
                record = finding.to_json(str(path))
                if path.suffix == ".ipynb":
                    cell, line = location.rsplit(":", 2)[-2:]
                    record["cell"] = int(cell.removeprefix("cell "))
                    record["cell_line"] = int(line)
                records.append(record)
    if args.format in ("json", "sarif"):
        records.sort(key=lambda r: (r["path"], r["line"], r["column"], r["code"]))
        json.dump(records if args.format == "json" else to_sarif(records), sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 1 if failing else 0
