"""The module's definitions as the shape interpreter (`infer.py`) sees them: its functions and
model classes (`collect`), and what each top-level definition uses (`closure`).

An edit changes one or two definitions of a module of hundreds, so what a definition says on its
own (its name, its bases' qualified names and frameworks, its own methods, the names it
mentions) is remembered with its node: the parse cache keeps an unchanged block's tree, so an
unchanged definition is the same node after any edit, moved or not. Assembling the module's
tables from those facts is one light pass; where nothing moved or changed, the last tables are
reused as they are. A definition's closure is kept while every name in it still means the same
definition, wherever the definitions now sit (closures hold nodes, never line offsets).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from layerlint.analysis import frameworks
from layerlint.analysis.imports import ImportTable, qualified_name
from layerlint.analysis.walk import breadth_first

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_LIMIT = 4096


@dataclass
class ClassInfo:
    node: ast.ClassDef
    offset: int
    framework: str
    methods: dict
    inherits: bool = False
    """Whether some of its methods are a local base class's."""


@dataclass
class _ClassFacts:
    """What a class says on its own, for one import table."""

    bases: tuple[tuple[str, str | None], ...]
    """(qualified base name, framework whose model base it is), per base that has a name."""
    local_bases: tuple[str, ...]
    """Its bases written as plain names, in order: those may be classes of the module. Other
    bases are dotted (`keras.Model`, or an imported name made qualified), never a class name."""
    methods: dict
    framework: str | None
    """Its framework when it has no plain-name base (the first base that is a model base)."""
    info: ClassInfo | None = None
    """Its `ClassInfo` at the offset it sat at last (when it has no plain-name base)."""


@dataclass
class Layout:
    """The functions and model classes of one version of a module."""

    definitions: list[tuple[Definition, int]]
    functions: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]]
    classes: dict[str, ClassInfo]
    generation: int = 0
    """Numbers the layouts built in this process (a closure checked against one holds)."""


@dataclass(frozen=True)
class Closure:
    """The definitions a top-level definition uses, transitively (by name, as nodes), and the
    other names it reads."""

    parts: tuple[tuple[str, Definition], ...]
    others: tuple[str, ...]
    meanings: tuple[tuple[str, tuple[Definition, ...]], ...]
    """Per name in `parts`, the definitions it meant (as `_meanings` gives them)."""


_layouts: dict[int, Layout] = {}
_class_facts: dict[tuple[int, int], tuple[ast.ClassDef, _ClassFacts]] = {}
_closures: dict[int, tuple[Definition, Closure, int]] = {}
"""Per definition: its closure and the generation of the layout it was last checked against."""
_generations = [0]
_names: dict[int, tuple[ast.AST, frozenset[str]]] = {}
_methods: dict[int, tuple[ast.AST, dict]] = {}


def collect(definitions: list[tuple[Definition, int]], imports: ImportTable,
            imports_id: int) -> Layout:
    """The module's functions (by name, the last definition) and model classes (by name, with
    their framework and methods, a local base's methods inherited), given its top-level
    definitions as (node, line offset) in order and the import table (`imports_id` names it)."""
    previous = _layouts.get(imports_id)
    if previous is not None and previous.definitions == definitions:  # same nodes, same places
        return previous
    functions = {node.name: (node, offset) for node, offset in definitions
                 if not isinstance(node, ast.ClassDef)}
    classes: dict[str, ClassInfo] = {}
    for node, offset in definitions:
        if not isinstance(node, ast.ClassDef):
            continue
        facts = _facts_of(node, imports, imports_id)
        if not facts.local_bases:  # nothing it says depends on the module's other classes
            if facts.framework:
                info = facts.info
                if info is None or info.offset != offset:
                    info = facts.info = ClassInfo(node, offset, facts.framework, facts.methods)
                classes[node.name] = info
            continue
        framework = None
        for qualified, base_framework in facts.bases:
            if base_framework:
                framework = base_framework
                break
            if qualified in classes:
                framework = classes[qualified].framework
                break
        if not framework:
            continue
        methods = facts.methods
        base = next((classes[name] for name in facts.local_bases if name in classes), None)
        if base is not None:
            methods = {**base.methods, **methods}
        classes[node.name] = ClassInfo(node, offset, framework, methods, base is not None)
    _generations[0] += 1
    layout = Layout(definitions, functions, classes, _generations[0])
    _layouts[imports_id] = layout
    if len(_layouts) > 8:
        _layouts.pop(next(iter(_layouts)))
    return layout


def offset_of(layout: Layout, name: str, node: Definition) -> int | None:
    """Where the definition `node`, known as `name`, now sits (None: it is gone)."""
    info = layout.classes.get(name)
    if info is not None and info.node is node:
        return info.offset
    function = layout.functions.get(name)
    if function is not None and function[0] is node:
        return function[1]
    return None


def closure(node: Definition, layout: Layout) -> Closure:
    """What `node` uses (see `Closure`): a class of the module by a name it mentions, and a
    function of the module by that name (the interpreter calls a function before it constructs
    a class of one name), and theirs in turn. Remembered while each of its names still means
    the same definitions."""
    cached = _closures.get(id(node))
    if cached is not None and cached[0] is node and (
            cached[2] == layout.generation or _still_valid(cached[1], layout)):
        if cached[2] != layout.generation:
            _closures[id(node)] = (node, cached[1], layout.generation)
        return cached[1]
    parts: list[tuple[str, Definition]] = []
    meanings: list[tuple[str, tuple[Definition, ...]]] = []
    others: list[str] = []
    seen: set[str] = set()
    pending = list(names_in(node))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        used = _meanings(name, layout)
        if not used:
            others.append(name)
        else:
            meanings.append((name, used))
        for definition in used:
            parts.append((name, definition))
            pending.extend(names_in(definition))
    result = Closure(tuple(sorted(parts, key=lambda part: (part[0], isinstance(part[1], ast.ClassDef)))),
                     tuple(sorted(others)), tuple(meanings))
    _remember(_closures, id(node), (node, result, layout.generation))
    return result


def _meanings(name: str, layout: Layout) -> tuple[Definition, ...]:
    info = layout.classes.get(name)
    function = layout.functions.get(name)
    if info is None:
        return () if function is None else (function[0],)
    return (info.node,) if function is None else (info.node, function[0])


def _still_valid(known: Closure, layout: Layout) -> bool:
    classes, functions = layout.classes, layout.functions
    if any(name in classes or name in functions for name in known.others):
        return False
    return all(_meanings(name, layout) == definitions for name, definitions in known.meanings)


def names_in(node: ast.AST) -> frozenset[str]:
    """The plain names a definition mentions (remembered per node while the node lives)."""
    cached = _names.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    names = frozenset(child.id for child in breadth_first(node) if isinstance(child, ast.Name))
    _remember(_names, id(node), (node, names))
    return names


def own_methods(node: ast.ClassDef) -> dict:
    cached = _methods.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    methods = {item.name: item for item in node.body
               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    _remember(_methods, id(node), (node, methods))
    return methods


def base_frameworks(node: ast.ClassDef, imports: ImportTable,
                    imports_id: int) -> tuple[tuple[str, str | None], ...]:
    """(qualified base name, framework whose model base it is) per base."""
    return _facts_of(node, imports, imports_id).bases


def _facts_of(node: ast.ClassDef, imports: ImportTable, imports_id: int) -> _ClassFacts:
    key = (id(node), imports_id)
    cached = _class_facts.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    bases = tuple(
        (qualified, frameworks.model_base_framework(qualified))
        for base in node.bases if (qualified := qualified_name(base, imports))
    )
    local_bases = tuple(base.id for base in node.bases if isinstance(base, ast.Name))
    framework = next((base_framework for _, base_framework in bases if base_framework), None)
    facts = _ClassFacts(bases, local_bases, own_methods(node), framework)
    _remember(_class_facts, key, (node, facts))
    return facts


def _remember(cache: dict, key: object, value: object) -> None:
    cache[key] = value
    if len(cache) > _LIMIT:
        cache.pop(next(iter(cache)))


def forget(node_ids: set[int]) -> None:
    """Drop the facts, closures and layouts that hold one of these top-level definitions."""
    for node_id in node_ids:
        _names.pop(node_id, None)
        _methods.pop(node_id, None)
        _closures.pop(node_id, None)
    for key in [key for key in _class_facts if key[0] in node_ids]:
        del _class_facts[key]
    for imports_id in [imports_id for imports_id, held in _layouts.items()
                       if any(id(node) in node_ids for node, _ in held.definitions)]:
        del _layouts[imports_id]


def clear() -> None:
    """Forget every remembered layout and per-definition fact."""
    for cache in (_layouts, _class_facts, _closures, _names, _methods):
        cache.clear()
