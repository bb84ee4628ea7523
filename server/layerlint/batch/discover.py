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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Union

from layerlint.config import Settings, find_pyproject

if TYPE_CHECKING:
    import pathspec

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
    "__pycache__", "__pypackages__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".layerlint_cache", ".ipynb_checkpoints", "build", "dist", "site-packages",
)
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class NameSpec:
    """A .gitignore-style list of plain names (`build`, `.venv`, `out/`), matched as
    `pathspec.GitIgnoreSpec` matches them: a path is matched when one of its parts is a name,
    or one of its folders a name written with a trailing slash. The default excludes and
    many .gitignore files are such lists; they need neither pathspec nor a regular expression
    per pattern and path."""

    names: frozenset[str]
    folder_names: frozenset[str]
    """`names` with the names that match folders only."""

    def match_file(self, path: str) -> bool:
        """`path`: relative, `/`-separated, a folder's ending with `/`."""
        parts = path.split("/")
        last = parts.pop()
        return (last in self.names
                or any(part in self.folder_names for part in parts))


Spec = Union[NameSpec, "pathspec.PathSpec"]
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.+@=,%~-]+/?")


def compile_spec(lines: Iterable[str]) -> Spec:
    """A matcher of .gitignore lines: a `NameSpec` when every line is a plain name, a comment
    or empty, else pathspec's `GitIgnoreSpec` (imported only then)."""
    lines = list(lines)
    names: set[str] = set()
    folder_names: set[str] = set()
    for line in lines:
        if not line or line.startswith("#"):
            continue
        if not _PLAIN_NAME.fullmatch(line) or line.rstrip("/") in (".", ".."):
            import pathspec

            return pathspec.GitIgnoreSpec.from_lines(lines)
        if line.endswith("/"):
            folder_names.add(line[:-1])
        else:
            names.add(line)
    return NameSpec(frozenset(names), frozenset(names | folder_names))


def _include(spec: Spec, path: str) -> bool | None:
    """What `spec.check_file(path).include` says: True (ignored), False (re-included by a
    `!` pattern) or None (no pattern matched)."""
    if isinstance(spec, NameSpec):
        return True if spec.match_file(path) else None
    return spec.check_file(path).include


@dataclass(frozen=True)
class Patterns:
    """Exclude patterns anchored at `base`."""

    base: Path
    spec: Spec

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
        return Patterns(base, compile_spec(lines))

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
def _default_spec() -> Spec:
    return compile_spec(DEFAULT_EXCLUDE)


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
    return [shown for shown, _ in discover_files(paths, patterns_for,
                                                 respect_gitignore=respect_gitignore,
                                                 force_exclude=force_exclude)]


def discover_files(
    paths: list[Path], patterns_for: Callable[[Path], list[Patterns]], *, respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> list[tuple[Path, str]]:
    """`discover`, each file with its real path (`str(path.resolve())`), which the walk knows
    without asking the file system again."""
    found: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            walked = sorted(_walk(path, patterns_for(path), respect_gitignore),
                            key=lambda item: item[0].split("/"))
            candidates = [(path / relative, real) for relative, real in walked]
        elif force_exclude and _excluded(path.resolve(), patterns_for(path), is_dir=False):
            candidates = []
        else:
            candidates = [(path, str(path.resolve()))]
        for candidate, real in candidates:
            if real not in seen:
                seen.add(real)
                found.append((candidate, real))
    return found


def _excluded(path: Path, patterns: list[Patterns], is_dir: bool) -> bool:
    if any(p.matches(path, is_dir) for p in patterns):
        return True
    # A named file is also excluded when one of its folders is.
    return any(p.matches(parent, True) for parent in path.parents for p in patterns)


def _relative(path: str, base: str) -> str | None:
    """`Path(path).relative_to(base).as_posix()` for absolute, normalised strings, or None
    where `path` is not under `base` (a walk asks this for every entry: strings, not Paths)."""
    if path == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep  # a root ends with one
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix):]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _walk(root: Path, patterns: list[Patterns], respect_gitignore: bool
          ) -> Iterator[tuple[str, str]]:
    """(path relative to `root`, real path) of every file to check under `root`."""
    absolute_root = root.resolve()
    ignores = ([(str(base), spec) for base, spec in _ignores_above(absolute_root)]
               if respect_gitignore else [])
    excludes = [(str(p.base), p.spec) for p in patterns]
    # os.walk with pruning: excluded or ignored folders are never entered. A folder is entered
    # only when it is no link, so a child's path is real unless the child is a link itself.
    stack: list[tuple[str, str, list[tuple[str, Spec]]]] = [
        ("", str(absolute_root), ignores)
    ]
    while stack:
        shown, absolute, inherited = stack.pop()
        local = inherited
        if respect_gitignore:
            spec = _gitignore_spec(Path(absolute, ".gitignore"))
            if spec is not None:
                local = [*inherited, (absolute, spec)]
        try:
            entries = list(os.scandir(absolute))
        except OSError:
            continue
        prefix = absolute if absolute.endswith(os.sep) else absolute + os.sep
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)  # no loops through linked folders
            except OSError:
                continue
            if not is_dir and not name.endswith(SUFFIXES):
                continue
            child = prefix + name
            if any(_spec_matches(spec, child, base, is_dir) for base, spec in excludes):
                continue
            if local and _git_ignored(child, is_dir, local):
                continue
            relative = f"{shown}/{name}" if shown else name
            if is_dir:
                stack.append((relative, child, local))
            elif entry.is_file():
                yield relative, (os.path.realpath(child) if entry.is_symlink() else child)


def _spec_matches(spec: Spec, path: str, base: str, is_dir: bool) -> bool:
    """`Patterns(base, spec).matches(path, is_dir)` for strings."""
    relative = _relative(path, base)
    if relative is None or relative == ".":
        return False
    return spec.match_file(relative + "/" if is_dir else relative)


def _git_ignored(path: str, is_dir: bool, ignores: list[tuple[str, Spec]]) -> bool:
    """Git's rule: the deepest .gitignore with a matching pattern decides (last match wins)."""
    for base, spec in reversed(ignores):
        relative = _relative(path, base)
        if relative is None:
            continue
        include = _include(spec, relative + "/" if is_dir else relative)
        if include is not None:
            return include
    return False


def _ignores_above(root: Path) -> list[tuple[Path, Spec]]:
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


def _gitignore_spec(path: Path) -> Spec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return compile_spec(lines) if lines else None
