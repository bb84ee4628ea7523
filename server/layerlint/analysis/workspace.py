"""Model classes defined in other files of the workspace.

`class Head(ResBlock)` with `from .blocks import ResBlock` (or `from mypkg.blocks import
ResBlock`) is a Keras layer when `ResBlock` is one in `blocks.py`. The module is found next to
the importing file (relative imports) or by walking up its folders (absolute imports), then read
and indexed with the same model index, cached by the file's modification time. Nothing is
imported or executed.
"""

from __future__ import annotations

import ast
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from layerlint.analysis.frameworks import builtin_layer, framework_of, model_base_framework
from layerlint.analysis.imports import collect_imports
from layerlint.analysis.installed import installed_class
from layerlint.analysis.model_index import ClassModel, build_class_model, class_base_names
from layerlint.analysis.source import split_blocks

_MAX_PARENTS = 6
_CACHE_SIZE = 4096
"""Files remembered (a large package imports across hundreds of files: a smaller cache made
`layerlint check` parse the same file again and again)."""


@dataclass(frozen=True)
class ExternalClass:
    model: ClassModel
    framework: str
    ancestors: tuple[tuple[str, ClassModel], ...] = ()
    """Installed classes it derives from, by qualified name (see `installed`)."""


_module_files: OrderedDict[tuple[str, str], Path | None] = OrderedDict()
_indexed: OrderedDict[tuple[str, int, int, str | None], Mapping[str, ExternalClass]] = OrderedDict()


def _remember(cache: OrderedDict, key, value):
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


_folders: dict[Path, str] = {}
_stats: dict[str, os.stat_result | None] | None = None
"""Inside `stats_once`: each path's stat (None: none), taken once."""


@contextmanager
def stats_once() -> Iterator[None]:
    """Inside the block (`layerlint check`, and the processes it forks), each path this module
    looks at is stat'ed once: a check reads the tree as it is when it starts, and its
    workers asked again for the same candidate files of a module name from every folder
    (~10,000 stats on keras-hub) and for an imported file's times at each import."""
    global _stats
    previous, _stats = _stats, {}
    try:
        yield
    finally:
        _stats = previous


def _stat(path: str) -> os.stat_result | None:
    """`os.stat(path)`, None where it fails (remembered inside `stats_once`)."""
    stats = _stats
    if stats is not None and path in stats:
        return stats[path]
    try:
        found: os.stat_result | None = os.stat(path)
    except (OSError, ValueError):
        found = None
    if stats is not None:
        stats[path] = found
    return found


def _is_file(path: str) -> bool:
    """`os.path.isfile(path)`."""
    found = _stat(path)
    return found is not None and stat.S_ISREG(found.st_mode)


def _folders_up(folder: str) -> list[str]:
    """`[Path(folder), *Path(folder).parents]` as strings (`folder` as `str(Path)` writes it),
    at most `_MAX_PARENTS` parents."""
    found = [folder]
    while len(found) <= _MAX_PARENTS and folder not in ("/", "//", "."):
        folder = os.path.dirname(folder) or "."
        found.append(folder)
    return found


def module_file(module: str, importer: Path) -> Path | None:
    """The workspace file a module name refers to, seen from the importing file."""
    folder = _folders.get(importer)
    if folder is None:  # `str(importer.parent)` costs most of a remembered answer's time
        if len(_folders) > _CACHE_SIZE:
            _folders.clear()
        folder = _folders[importer] = str(importer.parent)
    key = (module, folder)
    if key in _module_files:
        return _module_files[key]
    level = len(module) - len(module.lstrip("."))
    parts = [part for part in module.lstrip(".").split(".") if part]
    if level:
        bases = [str(importer.parent.parents[level - 2]) if level > 1 else folder]
    else:
        bases = _folders_up(folder)
    found = None
    if parts:
        # os.path on strings: a large check asks thousands of these, and pathlib's joins
        # cost more than the stat calls.
        for base in bases:
            candidate = os.path.join(base, *parts)
            for path in (candidate + ".py", os.path.join(candidate, "__init__.py")):
                if _is_file(path):
                    found = Path(path)
                    break
            if found:
                break
    return _remember(_module_files, key, found)


def external_classes(path: Path, keras_version: str | None) -> Mapping[str, ExternalClass]:
    """Model classes of another workspace file (its direct framework subclasses and their
    subclasses within that file); each class's model is built when it is first looked up."""
    file_stat = _stat(str(path))
    if file_stat is None:
        return {}
    key = (str(path), file_stat.st_mtime_ns, file_stat.st_size, keras_version)
    cached = _indexed.get(key)
    if cached is not None:
        return cached
    try:
        located = _top_level(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return _remember(_indexed, key, {})
    imports = collect_imports([statement for statement, _ in located])
    _remember(_reexports, key[:3], imports)  # `_reexported` reads the same table
    nodes = {node.name: (node, where) for node, where in located if isinstance(node, ast.ClassDef)}
    # A name defined twice binds its last definition; bases alone decide the framework, so only
    # the classes that have one get a model built.
    bases = {name: class_base_names(node, imports) for name, (node, _) in nodes.items()}
    frameworks = {name: framework for name in nodes
                  if (framework := _framework(name, bases, set()))}
    return _remember(_indexed, key, _ModelClasses(
        {name: nodes[name] for name in frameworks}, frameworks, imports, frozenset(nodes),
        keras_version))


_Where = tuple[str, int, int] | None
"""(block text, its first line, index in its body) of a statement parsed block-wise; None for
one parsed with the file's line numbers."""
_share_parses = False


@contextmanager
def shared_parses() -> Iterator[None]:
    """Inside the block (`layerlint check`, and the processes it forks), another file's classes
    are found in its block parses (`source.split_blocks`), the ones its own check makes and
    shares through the parse cache, instead of a parse of the whole file. Off in the server,
    whose parse cache holds the open documents' blocks."""
    global _share_parses
    previous, _share_parses = _share_parses, True
    try:
        yield
    finally:
        _share_parses = previous


def _top_level(text: str) -> list[tuple[ast.stmt, _Where]]:
    """The module's statements, each with where to parse it again with the file's line numbers
    (`_with_file_lines`). The whole text is parsed instead where the blocks would not say the
    same: where a block does not parse alone (the file may parse, or not)."""
    if _share_parses:
        blocks = split_blocks(text)
        if all(block.tree is not None for block in blocks):
            return [(statement, (block.text, block.start_line, index))
                    for block in blocks if block.tree is not None
                    for index, statement in enumerate(block.tree.body)]
    return [(statement, None) for statement in ast.parse(text).body]


def _with_file_lines(node: ast.ClassDef, where: _Where) -> ast.ClassDef:
    """The class statement with the line numbers of its file (a block's own parse counts from
    the block's first line): its block parsed again after as many newlines."""
    if where is None:
        return node
    text, start_line, index = where
    statement = ast.parse("\n" * (start_line - 1) + text).body[index]
    assert isinstance(statement, ast.ClassDef)
    return statement


class _ModelClasses(Mapping[str, ExternalClass]):
    """The model classes of one file by name. A file is mostly imported for one or two of
    them, so a class's model (the costly part) is built on its first look-up."""

    def __init__(self, nodes: dict[str, tuple[ast.ClassDef, _Where]], frameworks: dict[str, str],
                 imports: dict[str, str], local_names: frozenset[str],
                 keras_version: str | None) -> None:
        self._nodes, self._frameworks, self._imports = nodes, frameworks, imports
        self._local_names, self._keras_version = local_names, keras_version
        self._built: dict[str, ExternalClass] = {}

    def __getitem__(self, name: str) -> ExternalClass:
        found = self._built.get(name)
        if found is None:
            framework = self._frameworks[name]  # KeyError: not a model class of the file
            node, where = self._nodes[name]
            model = _imported_model(node, where, self._imports, self._local_names,
                                    self._keras_version)
            found = self._built[name] = ExternalClass(model, framework)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._frameworks)

    def __len__(self) -> int:
        return len(self._frameworks)


_DEFERRED = frozenset({"node", "methods", "attributes", "other_attributes"})
"""The fields of an imported class's model made when first read (`_ImportedModel`)."""


class _ImportedModel(ClassModel):
    """The model of a class of another file, whose name, bases and own framework are known at
    once (from its block's parse: they do not depend on line numbers), and whose node (with
    its file's line numbers: a parse of its own), methods and attributes are made the first
    time one of them is read. Most imported classes are looked up for their framework and
    bases only: on keras-hub, 139 of 227 (their parse and model were ~5% of a check's CPU).
    Read, it is the model `build_class_model` makes of the class parsed with its file's
    lines (the fields are that model's), except `reached`, which stays None (the class
    default): an imported model is never rebuilt from (`model_index.rebuilt_class_model` reads
    the models of the document's own classes only)."""

    def __getattr__(self, name: str):  # only for a field not made yet
        if name not in _DEFERRED:
            raise AttributeError(name)
        state = self.__dict__
        with _building:  # one model, whichever thread reads it first
            pending = state.get("_pending")
            if pending is not None:  # (what the build raises, each read raises again)
                node, where, imports, local_names, keras_version = pending
                built = build_class_model(_with_file_lines(node, where), imports,
                                          set(local_names), keras_version)
                for field in _DEFERRED:
                    state[field] = getattr(built, field)
                del state["_pending"]
        if name not in state:
            raise AttributeError(name)
        return state[name]


_building = threading.Lock()


def _imported_model(node: ast.ClassDef, where: _Where, imports: dict[str, str],
                    local_names: frozenset[str], keras_version: str | None) -> ClassModel:
    """`build_class_model(_with_file_lines(node, where), ...)`, its costly fields deferred
    (`_ImportedModel`)."""
    base_names = class_base_names(node, imports)
    model = object.__new__(_ImportedModel)
    model.__dict__.update(
        name=node.name, base_names=base_names,
        framework=next((fw for base in base_names if (fw := model_base_framework(base))), None),
        _pending=(node, where, imports, local_names, keras_version))
    return model


def _framework(name: str, bases: dict[str, list[str]], seen: set[str]) -> str | None:
    names = bases.get(name)
    if names is None or name in seen:
        return None
    seen.add(name)
    direct = next((fw for base in names if (fw := _framework_base(base))), None)
    return direct or next(
        (fw for base in names if (fw := _framework(base, bases, seen))), None
    )


def _framework_base(base: str) -> str | None:
    """The framework of a model base class or of a built-in layer a class derives from
    (`class BatchNormAct2d(nn.BatchNorm2d)` is a torch module)."""
    return model_base_framework(base) or (
        framework_of(base) if builtin_layer(base) is not None else None
    )


_MAX_REEXPORTS = 3
_reexports: OrderedDict[tuple[str, int, int], dict[str, str]] = OrderedDict()


def _reexported(path: Path, name: str) -> str | None:
    """Where `path` imports `name` from (`from .norm_act import BatchNormAct2d` in a package's
    `__init__.py` gives `.norm_act.BatchNormAct2d`), or None."""
    file_stat = _stat(str(path))
    if file_stat is None:
        return None
    key = (str(path), file_stat.st_mtime_ns, file_stat.st_size)
    table = _reexports.get(key)
    if table is None:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
            table = collect_imports(tree.body)
        except (OSError, SyntaxError, ValueError):
            table = {}
        _remember(_reexports, key, table)
    target = table.get(name)
    return target if target and target.rpartition(".")[2] == name else None


_dependency_logs: list[set[str]] = []


@contextmanager
def recorded_dependencies() -> Iterator[set[str]]:
    """The workspace files that analyses run inside the `with` block consult (for
    `layerlint check`'s cache: a file is checked again when one of them changes)."""
    found: set[str] = set()
    _dependency_logs.append(found)
    try:
        yield found
    finally:
        _dependency_logs.remove(found)


def resolve_external(
    qualified: str, importer: Path | None, keras_version: str | None, python: str | None = None
) -> ExternalClass | None:
    """The model class a qualified name (`.blocks.ResBlock`) refers to in the workspace, else in
    the packages installed in the project's environment (`timm.layers.BatchNormAct2d`)."""
    if framework_of(qualified.lstrip(".")) is not None or "." not in qualified:
        return None
    module, _, name = qualified.rpartition(".")
    if not module.strip("."):
        return None  # `from . import blocks`: the name is a module, not a class
    path = module_file(module, importer) if importer is not None else None
    if path is not None:
        if path == importer:
            return None
        for _ in range(_MAX_REEXPORTS):
            for log in _dependency_logs:
                log.add(str(path))
            found = external_classes(path, keras_version).get(name)
            target = _reexported(path, name) if found is None else None
            target_path = module_file(target.rpartition(".")[0], path) if target else None
            if target_path is None or target_path == path:
                return found
            path = target_path
        return None
    installed = installed_class(qualified, python, keras_version)
    if installed is None:
        return None
    return ExternalClass(installed.model, installed.framework, installed.ancestors)
