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
"""

from __future__ import annotations

import ast
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from layerlint.analysis.imports import collect_imports
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
_LISTING_SECONDS = 30.0
_MARKERS = (".save(", "save_model(", "get_config(", "to_json(", "clone_model(", "ModelCheckpoint",
            "load_model(", ".to(", ".cuda(", ".half(", ".double(", "state_dict", "torch.save",
            "DataParallel")
_CACHE_SIZE = 4096

_listings: dict[Path, tuple[float, tuple[Path, ...]]] = {}
_files: OrderedDict[tuple[str, int, int], Evidence] = OrderedDict()


_roots: dict[Path, tuple[float, Path]] = {}


def project_root(path: Path) -> Path:
    """Looked up again at most every 30 seconds per folder (up to 28 `stat` calls each)."""
    now = time.monotonic()
    known = _roots.get(path.parent)
    if known is not None and now - known[0] < _LISTING_SECONDS:
        return known[1]
    root = next((folder for folder in [path.parent, *list(path.parent.parents)[:_MAX_PARENTS]]
                 if any((folder / marker).exists() for marker in _ROOT_MARKERS)), path.parent)
    _roots[path.parent] = (now, root)
    return root


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
    try:
        stat = path.stat()
    except OSError:
        return EMPTY
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _files.get(key)
    if cached is not None:
        return cached
    result = EMPTY
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        program = None
        if path.suffix == ".ipynb" and mentions_a_use(text):
            program = notebook_program(text)  # the cells as one program
            text = program.text
        if mentions_a_use(text):
            parts = _parts(text)
            imports = collect_imports([stmt for tree, _, _ in parts for stmt in tree.body])
            roots = {qualified.split(".")[0] for qualified in imports.values()}
            torch_only = "torch" in roots and not roots & {"keras", "tensorflow", "tf_keras"}
            result = evidence(parts, imports, frozenset({"*"} if torch_only else ()),
                              read_all=True)
            if program is not None:
                result = _in_cells(result, program)
    except (OSError, SyntaxError, ValueError, RecursionError):  # NotebookError is a ValueError
        result = EMPTY
    _files[key] = result
    if len(_files) > _CACHE_SIZE:
        _files.popitem(last=False)
    return result


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


_indexes: dict[Path, tuple[float, dict[Path, list[tuple[Use, Path]]]]] = {}


def _project_index(root: Path) -> dict[Path, list[tuple[Use, Path]]]:
    """Target file -> (use, the file it happens in) for every use in the project whose model
    holds a class imported from another project file. Rebuilt at most every 30 seconds (files
    whose modification time did not change are not read again)."""
    now = time.monotonic()
    cached = _indexes.get(root)
    if cached is not None and now - cached[0] < _LISTING_SECONDS:
        return cached[1]
    index: dict[Path, list[tuple[Use, Path]]] = {}
    for other in project_files(root):
        found = file_evidence(other)
        for use in found.uses:
            targets = {target for key in use.contained if "." in key
                       if (target := module_file(key.rpartition(".")[0], other)) is not None}
            for target in targets:
                index.setdefault(target, []).append((use, other))
    _indexes[root] = (now, index)
    return index


def _indexed_uses(target: Path, class_names: frozenset[str]) -> Iterable[tuple[Use, Path]]:
    return _project_index(project_root(target)).get(target, ())


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
    resolved = path.resolve()
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


__all__ = ["file_evidence", "find_uses_with", "mentions_a_use", "project_files", "project_root",
           "uses_elsewhere", "with_project"]
