"""`ast.walk` with memory: rules walk the same class several times per analysis (each rule
looks for its own pattern), so the node list of a subtree is built once and reused while its
parse tree stays cached. `own_nodes` (a scope's nodes outside nested scopes) is kept the same
way; `node_index` groups a walk's nodes by type.

A subtree of a tree walked already is not walked again: `ast.walk` is breadth-first, so in the
walk of a tree the descendants of any node at each depth below it sit next to each other, and
where each node's children start is recorded once (`_Levels`); the walk of a node inside is
then a few slices of the tree's walk, one per depth (`subtree`). Same nodes, same order.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Callable, Container, MutableMapping, Sequence
from typing import Any

_CACHE_SIZE = 16384
_walked: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]] = OrderedDict()


def walk(node: ast.AST) -> tuple[ast.AST, ...]:
    """Every node under `node` (itself included), in `ast.walk` order."""
    return _remembered(_walked, node, subtree)


class _Levels:
    """The walk of one tree, and for each of its nodes where its children start in it."""

    __slots__ = ("nodes", "positions", "starts")

    def __init__(self, root: ast.AST) -> None:
        nodes = [root]
        starts: list[int] = []
        _extend_breadth_first(nodes, starts.append)
        starts.append(len(nodes))
        self.nodes = tuple(nodes)
        self.starts = starts
        # A node that occurs twice (the parser shares its `Load()`, `Add()`... leaves) maps to
        # its last place: any place gives its walk.
        self.positions = dict(zip(map(id, nodes), range(len(nodes))))

    def walk_at(self, index: int) -> tuple[ast.AST, ...]:
        """The walk of the node at `index`: at each depth, its descendants are the children of
        its descendants one depth above, which follow each other."""
        nodes, starts = self.nodes, self.starts
        first, end = index, index + 1
        found: list[ast.AST] = []
        extend = found.extend
        while first < end:
            extend(nodes[first:end])
            first, end = starts[first], starts[end]
        return tuple(found)


_MAX_LEVELS = 4
_levels: list[_Levels] = []
"""The last trees walked whole (most recently used first), whose subtrees are walked by
slicing. They outlive `clear` (a class that uses the edited one is analysed again on each
keystroke: its tree is not walked again) and leave with their trees (`forget`)."""


def subtree(node: ast.AST) -> tuple[ast.AST, ...]:
    """`breadth_first(node)`, sliced from the walk of a tree that holds `node` when one was
    walked (the tree is the one remembered while it lives: `clear`, `forget`); otherwise
    `node` is walked and its tree remembered for its subtrees. Not remembered (`walk` is)."""
    sliced = _sliced(node, promote=True)
    if sliced is not None:
        return sliced
    levels = _Levels(node)
    _levels.insert(0, levels)
    del _levels[_MAX_LEVELS:]
    return levels.nodes


def _remembered(cache: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]], node: ast.AST,
                compute: Callable[[ast.AST], tuple[ast.AST, ...]]) -> tuple[ast.AST, ...]:
    """`compute(node)`, remembered by the node's identity while the node is the one cached."""
    key = id(node)
    cached = cache.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    nodes = compute(node)
    cache[key] = (node, nodes)
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return nodes


def nodes_of(tree: ast.AST) -> tuple[ast.AST, ...]:
    """Every node of `tree`, from its remembered walk or a walked tree's levels when there is
    one (no second walk); a module of one statement is that statement's walk after it."""
    remembered = _walked.get(id(tree))
    if remembered is not None and remembered[0] is tree:
        return remembered[1]
    sliced = _sliced(tree)
    if sliced is None and isinstance(tree, ast.Module) and len(tree.body) == 1 \
            and not tree.type_ignores:
        inner = _sliced(tree.body[0])
        sliced = None if inner is None else (tree, *inner)
    return sliced if sliced is not None else breadth_first(tree)


def _sliced(node: ast.AST, promote: bool = False) -> tuple[ast.AST, ...] | None:
    """The walk of `node` from the levels of a walked tree that holds it (`promote`: that tree
    becomes the most recently used); None if none does."""
    key = id(node)
    for place, levels in enumerate(_levels):
        index = levels.positions.get(key)
        if index is not None and levels.nodes[index] is node:
            if promote and place:
                _levels.insert(0, _levels.pop(place))
            return levels.walk_at(index)
    return None


def forget(nodes: Sequence[ast.AST]) -> None:
    """Drop the remembered walks and own nodes of `nodes` (the nodes of a tree no longer
    analysed: `breadth_first(tree)`)."""
    for cache in (_walked, _owned):
        if cache:
            forget_keyed(cache, nodes)
    if _levels:
        gone = {id(node) for node in nodes}  # dropping one too many only costs a walk
        _levels[:] = [levels for levels in _levels if id(levels.nodes[0]) not in gone]


def clear() -> None:
    """Forget every remembered walk and own nodes (the few trees walked last keep their
    levels: see `_levels`)."""
    _walked.clear()
    _owned.clear()


def keep_levels_within(alive: Container[int]) -> None:
    """Drop the walked trees' levels whose root is neither one of a document's trees nor a
    top-level statement of one: `alive` holds their ids (`document_memory` counts them per
    version). A document's new version keeps the levels of its own blocks, and a replaced
    block's tree leaves without being walked (`document_memory.retire_blocks`). A level rooted
    deeper inside a kept tree goes too: that costs one walk, never a stale one."""
    if _levels:
        _levels[:] = [levels for levels in _levels if id(levels.nodes[0]) in alive]


def clear_all() -> None:
    """`clear`, and the trees walked last too."""
    clear()
    _levels.clear()


def forget_keyed(cache: MutableMapping[int, Any], nodes: Sequence[ast.AST]) -> None:
    """Drop the entries of `nodes` from `cache`, a table keyed by node identity whose values
    start with the node (the remembered walks here, `node_index`)."""
    for node in nodes:
        cached = cache.get(id(node))
        if cached is not None and cached[0] is node:
            del cache[id(node)]


def breadth_first(node: ast.AST) -> tuple[ast.AST, ...]:
    """`tuple(ast.walk(node))` for a tree whose fields hold what the grammar declares (as
    `ast.parse` makes them; a field may be missing), same order, about three times as fast: no
    generators, and each node type's children appended by a function made once per type
    (`_reader`: it reads only the fields that hold nodes, so names, strings and constants are
    never looked at; the check command spends a sixth of its time here on a large tree); not
    remembered (`walk` is)."""
    nodes = [node]
    _extend_breadth_first(nodes, None)
    return tuple(nodes)


def _extend_breadth_first(nodes: list[ast.AST], start: Callable[[int], object] | None) -> None:
    """Append to `nodes` (a root) every node under it, breadth-first like `ast.walk`; `start`,
    when given, is told before each node's children where they start in `nodes` (`_Levels`)."""
    append, extend = nodes.append, nodes.extend
    readers = _readers
    for current in nodes:  # the list grows while it is read
        if start is not None:
            start(len(nodes))
        reader = readers.get(type(current))
        if reader is None:
            reader = _reader(type(current))
        if reader is not _no_children:
            size = len(nodes)
            try:
                reader(current, append, extend)
            except (AttributeError, TypeError):  # a node built without one of its fields
                del nodes[size:]
                for name in current._fields:
                    _append_nodes(getattr(current, name, None), append)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`list(ast.iter_child_nodes(node))` for a tree as `breadth_first` takes it, without the
    generators (through the same per-type readers)."""
    children: list[ast.AST] = []
    reader = _readers.get(type(node))
    if reader is None:
        reader = _reader(type(node))
    if reader is not _no_children:
        try:
            reader(node, children.append, children.extend)
        except (AttributeError, TypeError):  # a node built without one of its fields
            children.clear()
            for name in node._fields:
                _append_nodes(getattr(node, name, None), children.append)
    return children


def _append_nodes(value: object, append: Callable[[ast.AST], None]) -> None:
    """What `ast.iter_child_nodes` yields from one field's value."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, ast.AST):
                append(item)
    elif isinstance(value, ast.AST):
        append(value)


_LEAF_TYPES = frozenset({"identifier", "string", "int", "constant", "object", "bytes"})
_MAY_HOLD_NONE = frozenset({("Dict", "keys"), ("arguments", "kw_defaults")})
"""The node lists whose items may be None (`{**rest}`, a keyword-only argument without
default): their items are checked one by one."""
_SIGNATURE = re.compile(r"(\w+)([*?]?) (\w+)")
_Reader = Callable[[ast.AST, Callable[[ast.AST], None], Callable[[list[ast.AST]], None]], None]
_readers: dict[type, _Reader] = {}


def _no_children(node: ast.AST, append: object, extend: object) -> None:
    """The reader of a type whose fields hold no node (`Load`, `Add`, `Name`'s ctx aside)."""


def _reader(node_type: type) -> _Reader:
    """A function appending the children of a `node_type` node in `ast.iter_child_nodes`'s
    order, made from the type's ASDL signature (its docstring, `Name(identifier id,
    expr_context ctx)`): a field of a built-in type (identifier, string, constant...) is left
    out, a node field appended when set, a node list extended whole. A type whose signature
    does not name every field (a subclass, another Python) has each field checked the way
    `ast.iter_child_nodes` does."""
    fields = tuple(getattr(node_type, "_fields", ()))
    doc = node_type.__doc__ or ""
    declared = {name: (kind, mark) for kind, mark, name in _SIGNATURE.findall(doc)}
    lines: list[str] = []
    if not issubclass(node_type, ast.AST) or node_type.__module__ != "ast" \
            or not doc.startswith(f"{node_type.__name__}(") \
            or any(name not in declared or not name.isidentifier() for name in fields):
        lines = [f"    check(node.{name}, append)" for name in fields]
    else:
        for name in fields:
            kind, mark = declared[name]
            if kind in _LEAF_TYPES:
                continue
            if mark == "*" and (node_type.__name__, name) not in _MAY_HOLD_NONE:
                lines.append(f"    extend(node.{name})")
            elif mark == "*":
                lines.append(f"    check(node.{name}, append)")
            else:
                lines += [f"    value = node.{name}", "    if value is not None:",
                          "        append(value)"]
    if not lines:
        reader = _no_children
    else:
        namespace: dict[str, Any] = {"check": _append_nodes}
        exec("def reader(node, append, extend):\n" + "\n".join(lines), namespace)
        reader = namespace["reader"]
    _readers[node_type] = reader
    return reader


_OWN_SCOPE_BOUNDARY_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                        ast.Lambda})


_owned: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]] = OrderedDict()


def own_nodes(scope: ast.AST) -> tuple[ast.AST, ...]:
    """Nodes of `scope` outside nested functions, classes and lambdas (scopes of their own),
    depth first, last child first; the nested scope nodes themselves are included. Cached
    like `walk`."""
    return _remembered(_owned, scope, _own_depth_first)


def _own_depth_first(scope: ast.AST) -> tuple[ast.AST, ...]:
    """The order of popping a stack seeded with `ast.iter_child_nodes(scope)` and extended with
    each popped node's children, without generators."""
    boundaries = _OWN_SCOPE_BOUNDARY_TYPES
    readers = _readers
    nodes: list[ast.AST] = []
    stack: list[ast.AST] = []
    push, push_all = stack.append, stack.extend
    current = scope
    while True:
        reader = readers.get(type(current))
        if reader is None:
            reader = _reader(type(current))
        if reader is not _no_children:
            size = len(stack)
            try:
                reader(current, push, push_all)
            except (AttributeError, TypeError):  # a node built without one of its fields
                del stack[size:]
                for name in current._fields:
                    _append_nodes(getattr(current, name, None), push)
        while stack:
            current = stack.pop()
            nodes.append(current)
            if type(current) not in boundaries:  # the parser makes no subclasses
                break
        else:
            return tuple(nodes)
