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
from collections import OrderedDict
from collections.abc import Callable, Iterable, MutableMapping, Sequence
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
        append, start = nodes.append, starts.append
        node_type = ast.AST
        for current in nodes:  # `breadth_first`, recording where each node's children start
            start(len(nodes))
            for name in current._fields:
                value = getattr(current, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, node_type):
                            append(item)
                elif isinstance(value, node_type):
                    append(value)
        start(len(nodes))
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


def keep_levels_within(trees: Iterable[ast.AST]) -> None:
    """Drop the walked trees' levels whose root is neither one of `trees` nor a top-level
    statement of one: a document's new version keeps the levels of its own blocks, and a
    replaced block's tree leaves without being walked (`document_memory.retire_blocks`). A
    level rooted deeper inside a kept tree goes too: that costs one walk, never a stale one."""
    if not _levels:
        return
    alive: set[int] = set()  # every tree and statement here is alive: ids are identities
    for tree in trees:
        alive.add(id(tree))
        alive.update(map(id, getattr(tree, "body", ())))
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
    """`tuple(ast.walk(node))`, same order, about twice as fast: no generators (the
    check command spends a third of its time here on a large tree); not remembered (`walk` is)."""
    nodes = [node]
    append = nodes.append
    node_type = ast.AST
    for current in nodes:  # the list grows while it is read: breadth-first, like ast.walk
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
            elif isinstance(value, node_type):
                append(value)
    return tuple(nodes)


_OWN_SCOPE_BOUNDARIES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


_owned: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]] = OrderedDict()


def own_nodes(scope: ast.AST) -> tuple[ast.AST, ...]:
    """Nodes of `scope` outside nested functions, classes and lambdas (scopes of their own),
    depth first, last child first; the nested scope nodes themselves are included. Cached
    like `walk`."""
    return _remembered(_owned, scope, _own_depth_first)


def _own_depth_first(scope: ast.AST) -> tuple[ast.AST, ...]:
    """The order of popping a stack seeded with `ast.iter_child_nodes(scope)` and extended with
    each popped node's children, without generators."""
    node_type = ast.AST
    boundaries = _OWN_SCOPE_BOUNDARIES
    nodes: list[ast.AST] = []
    stack: list[ast.AST] = []
    current = scope
    while True:
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                stack.append(value)
        while stack:
            current = stack.pop()
            nodes.append(current)
            if not isinstance(current, boundaries):
                break
        else:
            return tuple(nodes)
