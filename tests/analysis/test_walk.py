"""The cached walks (`analysis/walk.py`): `walk` lists `ast.walk`'s nodes in its order, and
`own_nodes` the nodes of a scope outside nested scopes, in the order of the stack walk it
replaced; both are reused while the tree lives."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlint.analysis.walk import child_nodes, own_nodes, walk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = sorted(FIXTURES.rglob("*.py"))[:60]
_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _stack_walk(scope: ast.AST) -> Iterator[ast.AST]:
    """The generator `own_nodes` was: pop a node, then push its children unless it is a scope."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_same_nodes_in_the_same_order(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for scope in ast.walk(tree):
        if isinstance(scope, _SCOPES):
            expected = list(_stack_walk(scope))
            assert len(own_nodes(scope)) == len(expected)
            assert all(a is b for a, b in zip(own_nodes(scope), expected))
            assert list(walk(scope)) == list(ast.walk(scope))
    assert all(child_nodes(node) == list(ast.iter_child_nodes(node)) for node in ast.walk(tree))


def test_nested_scopes_are_listed_but_not_entered() -> None:
    tree = ast.parse("def f(x):\n    g = lambda y: y + 1\n    def h():\n        return z\n    return g(x)\n")
    function = tree.body[0]
    names = {node.id for node in own_nodes(function) if isinstance(node, ast.Name)}
    assert names == {"g", "x"}  # `y` (lambda) and `z` (h) belong to the nested scopes
    assert sum(isinstance(node, (ast.Lambda, ast.FunctionDef)) for node in own_nodes(function)) == 2
    assert own_nodes(function) is own_nodes(function)


def test_lists_that_hold_none_and_nodes_built_by_hand() -> None:
    """The node lists that may hold None (`{**rest}`'s key, a keyword-only argument without
    default) and nodes built without some of their fields walk as `ast.walk` does."""
    from layerlint.analysis.walk import breadth_first

    tree = ast.parse("def f(*, a, b=1):\n    return {**a, 'k': b}\n")
    assert list(breadth_first(tree)) == list(ast.walk(tree))
    built = [ast.Call(func=ast.Name(id="f")), ast.Call(func=ast.Name(id="f"), args=None,
                                                       keywords=[]),
             ast.BinOp(left=ast.Constant(1), op=ast.Add())]
    for node in built:
        assert list(breadth_first(node)) == list(ast.walk(node))
        assert child_nodes(node) == list(ast.iter_child_nodes(node))
    function = ast.FunctionDef(name="g", body=[ast.Expr(ast.Constant(1))])
    stack = list(ast.iter_child_nodes(function))
    expected = []
    while stack:
        expected.append(stack.pop())
        stack.extend(ast.iter_child_nodes(expected[-1]))
    assert list(own_nodes(function)) == expected
