"""The cached walks (`analysis/walk.py`): `walk` lists `ast.walk`'s nodes in its order, and
`own_nodes` the nodes of a scope outside nested scopes, in the order of the stack walk it
replaced; both are reused while the tree lives."""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlint.analysis import walk as walk_module
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


@pytest.mark.parametrize("path", SAMPLES[:20], ids=lambda path: path.name)
def test_a_subtree_sliced_from_its_tree_is_its_walk(path: Path) -> None:
    """Once a tree is walked, the walk of any node inside is sliced from the tree's walk
    (`subtree`): the same nodes as `ast.walk` in the same order, whichever node is asked first,
    shared leaves (`Load()`) included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    walk_module.clear_all()
    nodes = list(ast.walk(tree))
    random.Random(path.name).shuffle(nodes)
    walk_module.subtree(tree)
    for node in nodes:
        sliced = walk_module.subtree(node)
        assert len(sliced) == len(list(ast.walk(node)))
        assert all(a is b for a, b in zip(sliced, ast.walk(node)))
        assert walk(node) == sliced


def test_a_subtree_walked_first_is_a_tree_of_its_own() -> None:
    """Asked before its module, a method's walk indexes the method; the module is walked anew
    and both answer their nodes; `forget` and `clear_all` let go of the trees, `clear` (a new
    version of a document) keeps them."""
    tree = ast.parse("class A:\n    def f(self, x):\n        return self.g(x + 1)\n")
    walk_module.clear_all()
    method = tree.body[0].body[0]
    assert list(walk_module.subtree(method)) == list(ast.walk(method))
    assert list(walk_module.subtree(tree)) == list(ast.walk(tree))
    assert list(walk_module.subtree(tree.body[0])) == list(ast.walk(tree.body[0]))
    assert len(walk_module._levels) == 2
    walk_module.forget(walk_module.breadth_first(tree))
    assert not walk_module._levels
    walk_module.subtree(tree)
    walk_module.clear()
    assert walk_module._levels[0].nodes[0] is tree
    walk_module.clear_all()
    assert not walk_module._levels


def test_nodes_of_a_module_reads_a_walked_statement() -> None:
    """`nodes_of` a module of one class whose class was walked: the module's walk without a
    second walk; of a module of two statements: its own walk."""
    tree = ast.parse("class A:\n    def f(self, x):\n        return self.g(x + 1)\n")
    walk_module.clear_all()
    walk_module.subtree(tree.body[0])
    assert list(walk_module.nodes_of(tree)) == list(ast.walk(tree))
    assert len(walk_module._levels) == 1
    two = ast.parse("import keras\nclass A:\n    pass\n")
    walk_module.subtree(two.body[1])
    assert list(walk_module.nodes_of(two)) == list(ast.walk(two))
    walk_module.clear_all()


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
