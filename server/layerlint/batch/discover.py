"""Which files `layerlint check PATH...` checks: folders are walked, files named on the command
line are always checked.

A walk skips what `.gitignore` files ignore (those in the walked folders, and those above the
walked folder up to the repository root, with `.git/info/exclude`), and what the `exclude` and
`extend-exclude` patterns match. Patterns use `.gitignore` syntax (`build`, `data/*.py`,
`/scripts`, `**/generated`), relative to the folder of the pyproject.toml that sets them, or to
the current folder for `--exclude`/`--extend-exclude`. `exclude` replaces the default list
(virtual environments, caches, build output), `extend-exclude` adds to it. With
`--force-exclude` the patterns apply to files named on the command line too (for pre-commit,
which names every file).

Files come out in the order `sorted(Path.rglob)` gives per argument (path parts compared one by
one), each once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pathspec

from layerlint.config import Settings, find_pyproject

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
    "__pycache__", "__pypackages__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".layerlint_cache", ".ipynb_checkpoints", "build", "dist", "site-packages",
)
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Patterns:
    """Exclude patterns anchored at `base`."""

    base: Path
    spec: pathspec.PathSpec

    def matches(self, path: Path, is_dir: bool = False) -> bool:
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        if relative == ".":
            return False
        return self.spec.match_file(relative + "/" if is_dir else relative)


def exclude_patterns(
    settings: Settings, settings_base: Path, cli_exclude: list[str] | None,
    cli_extend_exclude: list[str] | None, cwd: Path, root: Path,
) -> list[Patterns]:
    """The exclude patterns in force under `root` (a walked folder, or a named file's folder):
    the CLI's `--exclude` replaces the settings' `exclude`, which replaces the defaults
    (anchored at `root`); `extend-exclude` from both adds to them."""
    def compiled(base: Path, lines: Iterable[str]) -> Patterns:
        return Patterns(base, pathspec.GitIgnoreSpec.from_lines(list(lines)))

    if cli_exclude is not None:
        found = [compiled(cwd, cli_exclude)]
    elif settings.exclude is not None:
        found = [compiled(settings_base, settings.exclude)]
    else:
        found = [Patterns(root, _default_spec())]
    if settings.extend_exclude:
        found.append(compiled(settings_base, settings.extend_exclude))
    if cli_extend_exclude:
        found.append(compiled(cwd, cli_extend_exclude))
    return found


@cache
def _default_spec() -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDE)


def settings_base(start: Path) -> Path:
    """The folder a pyproject's relative patterns (and the cache) are anchored at."""
    pyproject = find_pyproject(start.resolve())
    return pyproject.parent if pyproject else Path.cwd().resolve()


def discover(
    paths: list[Path], patterns_for: Callable[[Path], list[Patterns]], *, respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> list[Path]:
    """Every file to check, in a stable order; `patterns_for(root)` gives the exclude
    patterns that apply under a walked folder (or to a named file)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(_walk(path, patterns_for(path), respect_gitignore),
                                key=lambda p: p.parts)
        elif force_exclude and _excluded(path.resolve(), patterns_for(path), is_dir=False):
            candidates = []
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _excluded(path: Path, patterns: list[Patterns], is_dir: bool) -> bool:
    if any(p.matches(path, is_dir) for p in patterns):
        return True
    # A named file is also excluded when one of its folders is.
    return any(p.matches(parent, True) for parent in path.parents for p in patterns)


def _walk(root: Path, patterns: list[Patterns], respect_gitignore: bool) -> Iterator[Path]:
    absolute_root = root.resolve()
    ignores = _ignores_above(absolute_root) if respect_gitignore else []
    # os.walk with pruning: excluded or ignored folders are never entered.
    stack: list[tuple[Path, Path, list[tuple[Path, pathspec.PathSpec]]]] = [
        (root, absolute_root, ignores)
    ]
    while stack:
        shown, absolute, inherited = stack.pop()
        local = inherited
        if respect_gitignore:
            spec = _gitignore_spec(absolute / ".gitignore")
            if spec is not None:
                local = [*inherited, (absolute, spec)]
        try:
            entries = list(os.scandir(absolute))
        except OSError:
            continue
        for entry in entries:
            child_absolute = absolute / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)  # no loops through linked folders
            except OSError:
                continue
            if not is_dir and not entry.name.endswith(SUFFIXES):
                continue
            if any(p.matches(child_absolute, is_dir) for p in patterns):
                continue
            if local and _git_ignored(child_absolute, is_dir, local):
                continue
            if is_dir:
                stack.append((shown / entry.name, child_absolute, local))
            elif entry.is_file():
                yield shown / entry.name


def _git_ignored(path: Path, is_dir: bool, ignores: list[tuple[Path, pathspec.PathSpec]]) -> bool:
    """Git's rule: the deepest .gitignore with a matching pattern decides (last match wins)."""
    for base, spec in reversed(ignores):
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        result = spec.check_file(relative + "/" if is_dir else relative)
        if result.include is not None:
            return bool(result.include)
    return False


def _ignores_above(root: Path) -> list[tuple[Path, pathspec.PathSpec]]:
    """.gitignore files of the folders above `root` up to its repository's root, outermost
    first, with the repository's `.git/info/exclude`; none when `root` is in no repository."""
    folders = [root, *root.parents]
    for index, folder in enumerate(folders):
        if (folder / ".git").exists():
            repository, above = folder, folders[1:index + 1]
            break
    else:
        return []
    found = []
    spec = _gitignore_spec(repository / ".git" / "info" / "exclude")
    if spec is not None:
        found.append((repository, spec))
    for folder in reversed(above):
        spec = _gitignore_spec(folder / ".gitignore")
        if spec is not None:
            found.append((folder, spec))
    return found


def _gitignore_spec(path: Path) -> pathspec.PathSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
