"""Save evidence from the project's other files: `train.py` saves a model that holds the
`Block` that `blocks.py` defines.

The project is the folder tree above the file up to the nearest `pyproject.toml`, `setup.py`,
`setup.cfg` or `.git` (at most six levels; the file's own folder when none is found). Its
Python files and notebooks (at most 3,000, in at most 2,000 folders eight levels deep; hidden folders,
virtual environments and build outputs skipped) are listed at most every 30 seconds; each
file is read only when its text mentions a save, a reload or a torch move (not training alone:
reading every file that calls `fit` would double the reading of a folder of examples), and its evidence
(`save_evidence`) is cached by modification time. A use counts for a class when the key it
holds is an imported name whose module resolves (as `workspace.module_file` resolves imports)
to the file being analysed. Nothing is imported or executed.

The index (`ProjectIndex`) keeps, per listed file, its stamp (modification time, size), its uses
that hold a class of another project file (with the names of those classes, resolved when the
file was read) and, for such files only, their reloads: no parsed tree, no evidence of the
files without such a use. `build_index` builds it, reusing the entries of an earlier index
whose stamp did not change. `uses_elsewhere` reads one index, fetched once per call, so an
analysis sees one consistent snapshot. Where it comes from is pluggable: by default it is
built here, synchronously, at most every 30 seconds (`analyse()` in a script, the tests); the
language server builds it in a separate process and hands its latest one over
(`use_indexes_from`, `lsp/project_index.py`), so a keystroke never lists, stats or reads the
project; `layerlint check` looks uses up its own way (`find_uses_with`).
"""

from __future__ import annotations

import ast
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from layerlint.analysis import source, walk
from layerlint.analysis.imports import collect_imports
from layerlint.analysis.recent_answers import SECONDS, recent_answer
from layerlint.analysis.save_evidence import EMPTY, Evidence, Use, evidence
from layerlint.analysis.source import split_blocks
from layerlint.analysis.workspace import module_file
from layerlint.notebooks import NotebookProgram, notebook_program

_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_SKIPPED = {"node_modules", "site-packages", "__pycache__", "build", "dist", "venv", "env"}
_MAX_PARENTS = 6
_MAX_FILES = 3000
_MAX_FOLDERS = 2000
_MAX_DEPTH = 8
_LISTING_SECONDS = SECONDS
_MARKERS = (".save(", "save_model(", "get_config(", "to_json(", "clone_model(", "ModelCheckpoint",
            "load_model(", ".to(", ".cuda(", ".half(", ".double(", "state_dict", "DataParallel")
_CACHE_SIZE = 4096

_listings: dict[Path, tuple[float, tuple[Path, ...]]] = {}
_files: OrderedDict[tuple[str, int, int], Evidence] = OrderedDict()


_roots: dict[Path, tuple[float, Path]] = {}


def project_root(path: Path) -> Path:
    """Looked up again at most every 30 seconds per folder (up to 28 `stat` calls each)."""
    return recent_answer(_roots, path.parent, lambda: next(
        (folder for folder in [path.parent, *list(path.parent.parents)[:_MAX_PARENTS]]
         if any((folder / marker).exists() for marker in _ROOT_MARKERS)), path.parent))


def _in_cells(found: Evidence, program: NotebookProgram) -> Evidence:
    """A notebook's uses and reloads with their cell and the line in that cell."""
    def place(use: Use) -> Use:
        cell, line = program.locate(use.line)
        return replace(use, cell=cell, line=line)

    return Evidence(tuple(place(use) for use in found.uses),
                    tuple(place(use) for use in found.reloads), {}, found.given)


def project_files(root: Path) -> tuple[Path, ...]:
    now = time.monotonic()
    listed = _listings.get(root)
    if listed is not None and now - listed[0] < _LISTING_SECONDS:
        return listed[1]
    found: list[Path] = []
    # Without a project marker the root is the file's own folder, which may be a home folder:
    # the walk is bounded in depth and in folders visited, not only in files found.
    for visited, (folder, folders, names) in enumerate(os.walk(root)):
        depth = len(Path(folder).relative_to(root).parts)
        folders[:] = [] if depth >= _MAX_DEPTH else sorted(
            f for f in folders if not f.startswith(".") and f not in _SKIPPED)
        found.extend(Path(folder) / name for name in sorted(names)
                     if name.endswith((".py", ".ipynb")))
        if len(found) >= _MAX_FILES or visited >= _MAX_FOLDERS:
            break
    _listings[root] = (now, tuple(found[:_MAX_FILES]))
    return _listings[root][1]


def mentions_a_use(text: str) -> bool:
    """Whether a file's text may hold a save, a reload or a move (else it is not read)."""
    return any(marker in text for marker in _MARKERS)


def file_evidence(path: Path) -> Evidence:
    """A project file's evidence, cached by its path, modification time and size."""
    try:
        stat = path.stat()
    except OSError:
        return EMPTY
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _files.get(key)
    if cached is not None:
        return cached
    result = _read_evidence(path)
    _files[key] = result
    if len(_files) > _CACHE_SIZE:
        _files.popitem(last=False)
    return result


def _read_evidence(path: Path, keep_trees: bool = True) -> Evidence:
    """The evidence of a file as it is on disk now (EMPTY when it mentions no use). Without
    `keep_trees`, its parse trees are forgotten once read (nothing will share them)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        program = None
        if path.suffix == ".ipynb" and mentions_a_use(text):
            program = notebook_program(text)  # the cells as one program
            text = program.text
        if not mentions_a_use(text):
            return EMPTY
        parts = _parts(text)
        try:
            imports = collect_imports([stmt for tree, _, _ in parts for stmt in tree.body])
            roots = {qualified.split(".")[0] for qualified in imports.values()}
            torch_only = "torch" in roots and not roots & {"keras", "tensorflow", "tf_keras"}
            result = evidence(parts, imports, frozenset({"*"} if torch_only else ()),
                              read_all=True)
        finally:
            if not keep_trees:
                _forget_trees(parts)
        return _in_cells(result, program) if program is not None else result
    except (OSError, SyntaxError, ValueError, RecursionError):  # NotebookError is a ValueError
        return EMPTY


def _forget_trees(parts: list[tuple[ast.Module, int, str]]) -> None:
    """Drop the cached parses and remembered walks of a read file's parts."""
    source.forget_parses({text for _, _, text in parts})
    for tree, _, _ in parts:
        walk.forget(walk.nodes_of(tree))


def _parts(text: str) -> list[tuple[ast.Module, int, str]]:
    """The file as the engine parses it, block by block (see `source`), so that the blocks'
    parses and definitions' evidence are shared with the file's own analysis; the whole file
    as one part when a block does not parse alone."""
    blocks = split_blocks(text)
    parts = [(block.tree, block.start_line - 1, block.text) for block in blocks
             if block.tree is not None]
    if len(parts) == len(blocks):
        return parts
    return [(ast.parse(text), 0, text)]


@dataclass(frozen=True)
class IndexedUse:
    """A use in another project file whose model holds classes of the file it is indexed under."""

    use: Use
    """As the other file holds it (its keys qualified through that file's imports)."""
    other: Path
    """The file the use happens in."""
    held: frozenset[str]
    """The indexed file's class names among the use's `held` keys."""
    contained: frozenset[str]
    """The indexed file's class names among the use's `contained` keys (never empty)."""


@dataclass(frozen=True)
class FileEntry:
    """What the index keeps of one project file."""

    stamp: tuple[int, int]
    """Modification time (ns) and size when it was read."""
    uses: tuple[tuple[Path, IndexedUse], ...] = ()
    """(target file, use) for each use holding classes of another project file."""
    reloads: tuple[Use, ...] = ()
    """The file's reloads, kept only when it has such a use."""


@dataclass(frozen=True)
class ProjectIndex:
    """Target file -> the uses elsewhere in the project whose model holds its classes."""

    root: Path
    entries: Mapping[Path, FileEntry]
    """Every listed file, in listing order (what the next build reuses)."""
    uses: Mapping[Path, tuple[IndexedUse, ...]]
    """By target file (resolved), in listing order and then in each file's order."""

    def same_findings_as(self, other: ProjectIndex | None) -> bool:
        """Whether analyses get the same uses and reloads from both indexes."""
        if other is None:
            return not self.uses
        return self.uses == other.uses and all(
            self.entries[file].reloads == other.entries[file].reloads
            for file in _files_with_uses(self))


def _files_with_uses(index: ProjectIndex) -> set[Path]:
    return {item.other for items in index.uses.values() for item in items}


def build_index(root: Path, previous: ProjectIndex | None = None,
                keep_trees: bool = True) -> ProjectIndex:
    """The index of the project at `root`, reading only the files whose stamp changed since
    `previous` (an index of the same root, or None). With `keep_trees`, the files' parse trees
    stay cached for the analyses in this process; without, each is forgotten once read (the
    server's index process, whose memory would otherwise hold the whole project's trees)."""
    known = previous.entries if previous is not None and previous.root == root else {}
    entries: dict[Path, FileEntry] = {}
    for other in project_files(root):
        try:
            stat = other.stat()
        except OSError:
            continue
        stamp = (stat.st_mtime_ns, stat.st_size)
        entry = known.get(other)
        entries[other] = entry if entry is not None and entry.stamp == stamp else _file_entry(
            other, stamp, keep_trees)
    by_target: dict[Path, list[IndexedUse]] = {}
    for entry in entries.values():
        for target, indexed in entry.uses:
            by_target.setdefault(target, []).append(indexed)
    return ProjectIndex(root, entries, {target: tuple(items) for target, items in by_target.items()})


def _file_entry(path: Path, stamp: tuple[int, int], keep_trees: bool = True) -> FileEntry:
    found = _read_evidence(path, keep_trees)
    if not found.uses:
        return FileEntry(stamp)
    indexed: list[tuple[Path, IndexedUse]] = []
    for use in found.uses:
        resolved = {key: module_file(key.rpartition(".")[0], path)
                    for key in use.contained | use.held if key.rpartition(".")[0]}
        for target in dict.fromkeys(resolved[key] for key in use.contained if key in resolved):
            if target is None:
                continue
            contained = frozenset(key.rpartition(".")[2] for key in use.contained
                                  if resolved.get(key) == target)
            held = frozenset(key.rpartition(".")[2] for key in use.held
                             if resolved.get(key) == target)
            indexed.append((target, IndexedUse(use, path, held, contained)))
    return FileEntry(stamp, tuple(indexed), found.reloads if indexed else ())


_indexes: dict[Path, tuple[float, ProjectIndex]] = {}


def _index_here(target: Path) -> ProjectIndex:
    """The index of `target`'s project built in this process, at most every 30 seconds (files
    whose modification time did not change are not read again)."""
    root = project_root(target)
    now = time.monotonic()
    cached = _indexes.get(root)
    if cached is not None and now - cached[0] < _LISTING_SECONDS:
        return cached[1]
    index = build_index(root, cached[1] if cached is not None else None)
    _indexes[root] = (now, index)
    return index


_IndexSource = Callable[[Path], ProjectIndex | None]
_index_of: _IndexSource = _index_here


def use_indexes_from(source: _IndexSource) -> _IndexSource:
    """Set where `uses_elsewhere` gets the index of a (resolved) file's project: built here
    (the default), or the language server's latest (None while it has none). Returns the
    previous source."""
    global _index_of
    previous, _index_of = _index_of, source
    return previous


def _indexed_uses(target: Path, class_names: frozenset[str]) -> Iterable[tuple[Use, Path]]:
    index = _index_of(target)
    return [(item.use, item.other) for item in (index.uses.get(target, ()) if index else ())]


_UseFinder = Callable[[Path, frozenset[str]], Iterable[tuple[Use, Path]]]
_find_uses: _UseFinder = _indexed_uses


def find_uses_with(finder: _UseFinder) -> _UseFinder:
    """Set how `uses_elsewhere` finds the (use, file) pairs whose model holds classes of a
    file: the project index (the default), or `layerlint check`'s reading of only the files
    that name them (`batch.project_uses`). Returns the previous way."""
    global _find_uses
    previous, _find_uses = _find_uses, finder
    return previous


def uses_elsewhere(path: Path, class_names: frozenset[str]) -> tuple[tuple[Use, ...], tuple[Use, ...]]:
    """(uses, reloads) in other project files of models holding classes of `path`, with the
    class names as keys; reloads are those of the files where such a use happens."""
    if not class_names:
        return (), ()
    resolved = _resolved(path)
    if _find_uses is _indexed_uses:
        return _from_index(_index_of(resolved), resolved, class_names)
    uses: list[Use] = []
    files: list[Path] = []
    for use, other in _find_uses(resolved, class_names):
        if other == resolved:
            continue
        held = _local_names(use.held, other, resolved, class_names)
        contained = _local_names(use.contained, other, resolved, class_names)
        if contained:
            uses.append(replace(use, held=held, contained=contained, where=_shown(other, resolved)))
            if other not in files:
                files.append(other)
    reloads = [replace(reload, where=_shown(other, resolved)) for other in files
               for reload in file_evidence(other).reloads]
    return tuple(uses), tuple(reloads)


_resolved_paths: dict[Path, tuple[float, Path]] = {}


def _resolved(path: Path) -> Path:
    """`path.resolve()`, looked up again at most every 30 seconds per path like the project
    root (it is asked on every keystroke, and resolving stats each folder of the path)."""
    return recent_answer(_resolved_paths, path, path.resolve, limit=1024)


def _from_index(index: ProjectIndex | None, resolved: Path,
                class_names: frozenset[str]) -> tuple[tuple[Use, ...], tuple[Use, ...]]:
    """`uses_elsewhere` from one index: nothing here touches the file system."""
    if index is None:
        return (), ()
    uses: list[Use] = []
    files: list[Path] = []
    for item in index.uses.get(resolved, ()):
        contained = item.contained & class_names
        if item.other == resolved or not contained:
            continue
        uses.append(replace(item.use, held=item.held & class_names, contained=contained,
                            where=_shown(item.other, resolved)))
        if item.other not in files:
            files.append(item.other)
    reloads = [replace(reload, where=_shown(other, resolved)) for other in files
               for reload in index.entries[other].reloads]
    return tuple(uses), tuple(reloads)


def _shown(other: Path, analysed: Path) -> str:
    """How a message names another file: relative to the analysed file's folder."""
    return os.path.relpath(other, analysed.parent)


def _local_names(keys: frozenset[str], importer: Path, target: Path,
                 class_names: frozenset[str]) -> frozenset[str]:
    """The class names of `target` among keys imported by `importer` (`pkg.blocks.Block`)."""
    found = set()
    for key in keys:
        module, _, name = key.rpartition(".")
        if module and name in class_names and module_file(module, importer) == target:
            found.add(name)
    return frozenset(found)


def with_project(local: Evidence, path: Path | None, class_names: frozenset[str]) -> Evidence:
    """The module's own evidence plus what other project files do with its classes."""
    if path is None or not class_names or path.suffix != ".py":  # a notebook is imported by none
        return local
    uses, reloads = uses_elsewhere(path, class_names)
    if not uses:
        return local
    return Evidence(local.uses + uses, local.reloads + reloads, local.constructions, local.given)


__all__ = ["FileEntry", "IndexedUse", "ProjectIndex", "build_index", "file_evidence",
           "find_uses_with", "mentions_a_use", "project_files", "project_root", "use_indexes_from",
           "uses_elsewhere", "with_project"]
