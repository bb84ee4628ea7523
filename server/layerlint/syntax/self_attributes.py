"""`self.<name>`: recognising it, and the methods a class reaches by calling through `self`.

Written once for the analysis and the fixes: a class's construction code, its forward pass and
the rules that read them all ask "is this `self.bn`?" and "which helper methods does
`__init__` run?".
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterable, Mapping

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def is_self(node: ast.AST, receiver: str = "self") -> bool:
    """Whether `node` is the bare receiver name (`self`)."""
    return isinstance(node, ast.Name) and node.id == receiver


def self_attribute(node: ast.AST, receiver: str = "self") -> str | None:
    """`bn` for `self.bn`, else None."""
    if isinstance(node, ast.Attribute) and is_self(node.value, receiver):
        return node.attr
    return None


def receiver_of(method: FunctionNode) -> str:
    """The name a method's first parameter gives the instance (`self` when it has none)."""
    return method.args.args[0].arg if method.args.args else "self"


def methods_reached(
    methods: Mapping[str, FunctionNode], roots: Iterable[str], excluded: Collection[str] = (),
    walk: Callable[[ast.AST], Iterable[ast.AST]] = ast.walk,
) -> list[str]:
    """`roots` that the class defines, then the methods they call through their receiver
    (`self.helper()`), transitively, in the order found; `excluded` methods are never
    followed. `walk`: how to list a method's nodes, or just its calls, in `ast.walk` order (the
analysis passes its cached index of calls)."""
    order = [name for name in roots if name in methods]
    seen = set(order)
    index = 0
    call_type, attribute_type = ast.Call, ast.Attribute  # the parser makes no subclasses
    while index < len(order):
        method = methods[order[index]]
        receiver = receiver_of(method)
        for node in walk(method):
            if (type(node) is call_type and type(node.func) is attribute_type
                    and is_self(node.func.value, receiver) and node.func.attr in methods
                    and node.func.attr not in excluded and node.func.attr not in seen):
                seen.add(node.func.attr)
                order.append(node.func.attr)
        index += 1
    return order
