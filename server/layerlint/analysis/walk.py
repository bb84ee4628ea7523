"""`ast.walk` with memory: rules walk the same class several times per analysis (each rule
looks for its own pattern), so the node list of a subtree is built once and reused while its
parse tree stays cached. `own_nodes` (a scope's nodes outside nested scopes) is kept the same
way; `node_index` groups a walk's nodes by type."""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

_CACHE_SIZE = 16384
_walked: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]] = OrderedDict()


def walk(node: ast.AST) -> tuple[ast.AST, ...]:
    """Every node under `node` (itself included), in `ast.walk` order."""
    return _remembered(_walked, node, breadth_first)


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
    """Every node of `tree`, from its remembered walk when there is one (no second walk)."""
    remembered = _walked.get(id(tree))
    return remembered[1] if remembered is not None and remembered[0] is tree \
        else breadth_first(tree)


def forget(nodes: Sequence[ast.AST]) -> None:
    """Drop the remembered walks and own nodes of `nodes` (the nodes of a tree no longer
    analysed: `breadth_first(tree)`)."""
    for cache in (_walked, _owned):
        if cache:
            forget_keyed(cache, nodes)


def clear() -> None:
    """Forget every remembered walk and own nodes."""
    _walked.clear()
    _owned.clear()


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
    append, extend = nodes.append, nodes.extend
    readers = _readers
    for current in nodes:  # the list grows while it is read: breadth-first, like ast.walk
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
    return tuple(nodes)


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
