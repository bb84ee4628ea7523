"""The nodes of a subtree grouped by their `ast` type, built once per subtree and shared by the
rules.

Every rule asks the same class, method or statement for its calls, its attribute reads or its
assignments; filtering `walk(node)` with `isinstance` in each rule repeated that scan fifteen
times per class on every keystroke. `nodes_of_type(node, ast.Call)` answers from one grouping
of the cached walk (`walk.walk`), in the order `ast.walk` visits them, and is cached the same
way: by the node's identity, while its parse tree lives (the blocks are memoised per document,
so an unedited class keeps its index between keystrokes).

This module owns that grouping and its cache; what a rule does with the nodes stays in the rule.
"""

from __future__ import annotations

import ast
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from typing import TypeVar, cast

from layerlint.analysis.walk import forget_keyed, walk

_CACHE_SIZE = 8192
_NONE: tuple[ast.AST, ...] = ()
_indexed: OrderedDict[int, tuple[ast.AST, dict[type, list[ast.AST]]]] = OrderedDict()

NodeType = TypeVar("NodeType", bound=ast.AST)


def nodes_of_type(node: ast.AST, node_type: type[NodeType]) -> Sequence[NodeType]:
    """The nodes under `node` (itself included) whose type is exactly `node_type`, in
    `ast.walk` order: `[n for n in walk(node) if isinstance(n, node_type)]` for a concrete node
    type (the parser makes no subclasses of those)."""
    return cast("Sequence[NodeType]", _by_type(node).get(node_type, _NONE))


def has_type(node: ast.AST, node_type: type[ast.AST]) -> bool:
    """Whether some node under `node` (itself included) has exactly this type."""
    return node_type in _by_type(node)


def _by_type(node: ast.AST) -> dict[type, list[ast.AST]]:
    key = id(node)
    cached = _indexed.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    # A defaultdict groups ~3x faster than `get` and a branch per node; it is only read with
    # `get` and `in`, which never add a key.
    grouped: defaultdict[type, list[ast.AST]] = defaultdict(list)
    for item in walk(node):
        grouped[type(item)].append(item)
    _indexed[key] = (node, grouped)
    if len(_indexed) > _CACHE_SIZE:
        _indexed.popitem(last=False)
    return grouped


def forget(nodes: Sequence[ast.AST]) -> None:
    """Drop the groupings of `nodes` (the nodes of a tree no longer analysed)."""
    if _indexed:
        forget_keyed(_indexed, nodes)


def clear() -> None:
    """Forget every grouping."""
    _indexed.clear()
