"""`layerlint check PATH...`: analyse files, folders and notebooks, in parallel processes and
with a cache of unchanged files; print text, JSON, SARIF or GitHub annotations; `--fix`
applies safe quick-fixes in place (`--unsafe-fixes` the others too), `--diff` shows them.

Exit codes: 0 no finding at or above `--fail-on` (or `--exit-zero`); 1 findings (with `--diff`:
a fix would change a file); 2 usage error, unreadable file or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from layerlint.batch import cache as check_cache
from layerlint.batch.check_file import FileResult, check_text
from layerlint.batch.discover import discover_files, exclude_patterns, settings_base
from layerlint.batch.parallel import default_jobs, few_collections, ordered_map, settle
from layerlint.batch.report import render
from layerlint.config import Settings, load_settings, settings_from_mapping
from layerlint.findings import Severity

HELP = "Check Python files, folders and notebooks for model-code bugs."
EPILOG = """\
exit status: 0 when no finding reaches --fail-on (or with --exit-zero), 1 when one does
(with --diff: when a fix would change a file), 2 on a usage error, an unreadable file or an
internal error.

Folders are walked, skipping what .gitignore ignores and what exclude/extend-exclude match
(.gitignore syntax; settings in [tool.layerlint] of pyproject.toml). Results of unchanged files
come from .layerlint_cache/ beside the nearest pyproject.toml."""


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _patterns(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (.py, .ipynb)")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="report format: text (default), json, sarif (SARIF 2.1.0) or github "
                             "(GitHub Actions annotations)")
    parser.add_argument("--fix", action="store_true",
                        help="apply the safe quick-fixes to .py files in place, then report what "
                             "is left")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix or --diff, apply the fixes marked unsafe too (they change "
                             "the model, e.g. its weights)")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff and write nothing; exit 1 when "
                             "there is one")
    parser.add_argument("--select", help="comma-separated codes or prefixes to report")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes to skip")
    parser.add_argument("--fail-on", choices=[s.value for s in Severity],
                        help="lowest severity that makes the exit code 1 (default: warning)")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when findings reach --fail-on")
    parser.add_argument("--statistics", action="store_true",
                        help="print the number of findings per code instead of the findings")
    parser.add_argument("--shapes", action="store_true",
                        help="also print the static shape of every layer call, per line")
    parser.add_argument("--output-file", type=Path, metavar="PATH",
                        help="write the report to this file instead of standard output")
    parser.add_argument("--keras-version", help="Keras version for version-aware rules")
    parser.add_argument("--jobs", "-j", type=_positive, metavar="N",
                        help="worker processes (default: one per CPU core; 1: no workers)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache")
    parser.add_argument("--cache-dir", metavar="PATH",
                        help="cache folder (default: the cache-dir setting, else "
                             ".layerlint_cache beside the nearest pyproject.toml; also "
                             "$LAYERLINT_CACHE_DIR)")
    parser.add_argument("--exclude", type=_patterns, metavar="PATTERNS",
                        help="comma-separated .gitignore-style patterns not to walk, relative "
                             "to the current folder (replaces the exclude setting and defaults)")
    parser.add_argument("--extend-exclude", type=_patterns, metavar="PATTERNS",
                        help="patterns excluded on top of exclude")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply the exclude patterns to files named on the command line too "
                             "(pre-commit names every file)")
    parser.add_argument("--no-respect-gitignore", action="store_true",
                        help="walk files that .gitignore ignores")


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


class _SettingsFinder:
    """Settings of each file (nearest pyproject.toml, then the command line), read once per
    folder and per pyproject.toml."""

    def __init__(self, overrides: dict):
        self.overrides = overrides
        self._by_folder: dict[Path, Settings] = {}
        self._by_pyproject: dict[Path | None, Settings] = {}
        self._by_parent: dict[str, Settings] = {}
        self._pyprojects: dict[Path, Path | None] = {}

    def __call__(self, path: Path) -> Settings:
        return self._in_folder((path if path.is_dir() else path.parent).resolve())

    def _in_folder(self, folder: Path) -> Settings:
        found = self._by_folder.get(folder)
        if found is None:
            pyproject = self._pyproject(folder)
            found = self._by_pyproject.get(pyproject)
            if found is None:
                found = settings_from_mapping(self.overrides, load_settings(folder))
                self._by_pyproject[pyproject] = found
            self._by_folder[folder] = found
        return found

    def _pyproject(self, folder: Path) -> Path | None:
        """`find_pyproject(folder)` for a resolved folder, each folder above asked once."""
        if folder not in self._pyprojects:
            candidate = folder / "pyproject.toml"
            self._pyprojects[folder] = (
                candidate if candidate.is_file()
                else None if folder.parent == folder else self._pyproject(folder.parent))
        return self._pyprojects[folder]

    def for_file(self, path: Path) -> Settings:
        """`self(path)` for a file, asked once per folder as written (resolving and asking
        whether the path is a folder cost more than the rest of a warm run's look-up)."""
        parent = os.path.dirname(path)
        found = self._by_parent.get(parent)
        if found is None:
            found = self._by_parent[parent] = self._in_folder(path.parent.resolve())
        return found


def _check_one(item: tuple[str, str, Settings]) -> FileResult:
    path, text, settings = item
    try:
        return check_text(text, path, settings)
    except Exception as error:  # one file's internal error must not lose the others' results
        return FileResult(error=f"internal error: {type(error).__name__}: {error}")
    finally:
        settle()  # what the file left alive is not scanned by the collector again


def check_files(
    files: list[Path], settings_for: _SettingsFinder, cache: check_cache.CheckCache | None,
    jobs: int, real_paths: list[str] | None = None,
) -> list[FileResult]:
    """Results of `files`, in order: from the cache where valid, else analysed in `jobs`
    processes (and stored in the cache). `real_paths`: each file's `str(path.resolve())`,
    where the caller knows them."""
    results: list[FileResult | None] = [None] * len(files)
    misses: list[tuple[int, str, str, str, Settings]] = []
    keys: dict[int, str] = {}
    read: list[tuple[int, str, str, bytes | None, Settings]] = []
    for index, path in enumerate(files):
        resolved = real_paths[index] if real_paths is not None else str(path.resolve())
        data: bytes | None
        try:
            if cache is None:  # no entry to look up or store: no hash
                data, digest = path.read_bytes(), ""
            else:  # a file whose stat the cache recorded is not read (data None)
                digest, data = cache.read(path, resolved)
        except OSError as error:
            results[index] = FileResult(error=str(error))
            continue
        read.append((index, resolved, digest, data, settings_for.for_file(path)))
    # Every file's hash is known before an entry's dependencies are compared: none is read twice.
    for index, resolved, digest, data, settings in read:
        if cache is not None:
            key = keys.get(id(settings))
            if key is None:  # once per distinct settings, not per file
                key = keys[id(settings)] = check_cache.settings_key(settings)
            cached = cache.lookup(resolved, digest, key)
            if cached is not None:
                results[index] = FileResult(cached)
                continue
        if data is None:  # unchanged by its stat, but to be analysed again (settings, a base)
            try:
                data = files[index].read_bytes()
            except OSError as error:
                results[index] = FileResult(error=str(error))
                continue
            digest = check_cache.content_hash(data)
        misses.append((index, resolved, digest, data.decode("utf-8", errors="replace"), settings))
    items = [(str(files[index]), text, settings) for index, _, _, text, settings in misses]
    if not items:
        return [result for result in results if result is not None]
    # Imported here, with the analysis: a warm run needs neither.
    from layerlint.batch.shared_jedi import may_ask, shared_jedi

    workers = min(jobs, len(items))
    warm: tuple[str | None, ...] = ()
    pythons = tuple(dict.fromkeys(settings.python for *_, settings in misses))
    if workers > 1 and may_ask((text for *_, text, _ in misses),
                               {part.partition(".")[0] for path in files for part in path.parts},
                               here=pythons == (None,)):
        warm = pythons
    # shared_jedi: the workers ask one process's jedi about installed classes; it starts
    # before the analysis is imported, so that jedi starts (`warm`) while the parent imports.
    with shared_jedi(workers, warm):
        from layerlint.analysis.block_memo import suspended
        from layerlint.batch.project_uses import read_lazily

        # read_lazily: what other files do with a file's classes, only from files naming them;
        # suspended: each file is analysed once, nothing to carry to a next version of it.
        with read_lazily(), suspended():
            for (index, resolved, digest, _, settings), result in zip(
                misses, ordered_map(_check_one, items, jobs)
            ):
                results[index] = result
                if cache is not None and result.error is None:
                    cache.store(resolved, digest, keys[id(settings)], result.dependencies,
                                result.records)
    return [result for result in results if result is not None]


def _fixable(result: FileResult, unsafe_fixes: bool) -> bool:
    from layerlint.analysis.rules import is_applicable  # here: only --fix/--diff need the rules

    return any(is_applicable(record["code"], unsafe_fixes)
               for record in result.records if record["fixes"])


def run(args: argparse.Namespace) -> int:
    with few_collections():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"layerlint: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    cwd = Path.cwd().resolve()
    settings_for = _SettingsFinder(_cli_overrides(args))

    def patterns_for(root: Path) -> list:
        folder = (root if root.is_dir() else root.parent).resolve()
        return exclude_patterns(settings_for(root), settings_base(folder), args.exclude,
                                args.extend_exclude, cwd, folder)

    found = discover_files(args.paths, patterns_for,
                           respect_gitignore=not args.no_respect_gitignore,
                           force_exclude=args.force_exclude)
    files = [path for path, _ in found]
    cache = None
    if not args.no_cache:
        cache = check_cache.CheckCache(
            check_cache.cache_folder(args.cache_dir, settings_for(cwd), settings_base(cwd)))
    jobs = args.jobs or default_jobs()
    results = check_files(files, settings_for, cache, jobs, [real for _, real in found])

    if args.fix or args.diff:
        import difflib

        from layerlint.commands.file_write import write_fixed_source
        from layerlint.fix_loop import fix_text

        diffs: list[str] = []
        fixed: list[int] = []
        for index, (path, result) in enumerate(zip(files, results)):
            if path.suffix != ".py" or not _fixable(result, args.unsafe_fixes):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                results[index] = FileResult(error=f"cannot fix: {error}")
                continue
            outcome = fix_text(text, path=str(path), settings=settings_for(path),
                               unsafe_fixes=args.unsafe_fixes)
            if not outcome.applied:
                continue
            if args.diff:
                diffs.append("".join(difflib.unified_diff(
                    text.splitlines(keepends=True), outcome.text.splitlines(keepends=True),
                    fromfile=str(path), tofile=str(path))))
                continue
            if not write_fixed_source(path, text, outcome.text):
                continue  # refused (would not parse, or the file changed): said on stderr
            fixed.append(index)
            for title in outcome.applied:
                print(f"{path}: fixed: {title}", file=sys.stderr)
        if args.diff:
            _emit("".join(diffs), args.output_file)
            if cache is not None:
                cache.save()
            return 2 if _report_errors(files, results) else 1 if diffs else 0
        for index, result in zip(fixed, check_files([files[i] for i in fixed], settings_for,
                                                    cache, jobs)):
            results[index] = result
    if cache is not None:
        cache.save()

    errors = _report_errors(files, results)
    shown = [(str(path), result.records) for path, result in zip(files, results)]
    _emit(render(shown, args.format, args.statistics), args.output_file)
    if args.shapes:
        from layerlint.commands.shapes_report import render_shapes

        _emit(render_shapes(files, lambda path: settings_for(path).input_shape), None)
    failing = any(
        Severity(record["severity"]).rank >= Severity(settings_for.for_file(path).fail_on).rank
        for path, result in zip(files, results) for record in result.records
    )
    if errors:
        return 2
    return 1 if failing and not args.exit_zero else 0


def _report_errors(files: list[Path], results: list[FileResult]) -> bool:
    """Print why files could not be checked; True when there was one."""
    errors = [(path, result.error) for path, result in zip(files, results) if result.error]
    for path, error in errors:
        print(f"layerlint: cannot check {path}: {error}", file=sys.stderr)
    return bool(errors)


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
    else:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, encoding="utf-8")
