"""`ast.walk` with memory: rules walk the same class several times per analysis (each rule
looks for its own pattern), so the node list of a subtree is built once and reused while its
parse tree stays cached."""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Iterator

_CACHE_SIZE = 16384
_walked: OrderedDict[int, tuple[ast.AST, tuple[ast.AST, ...]]] = OrderedDict()


def walk(node: ast.AST) -> tuple[ast.AST, ...]:
    """Every node under `node` (itself included), in `ast.walk` order."""
    key = id(node)
    cached = _walked.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    nodes = tuple(ast.walk(node))
    _walked[key] = (node, nodes)
    if len(_walked) > _CACHE_SIZE:
        _walked.popitem(last=False)
    return nodes


_OWN_SCOPE_BOUNDARIES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of `scope` outside nested functions, classes and lambdas (scopes of their own)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _OWN_SCOPE_BOUNDARIES):
            stack.extend(ast.iter_child_nodes(node))
