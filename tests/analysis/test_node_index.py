"""The shared node index (`analysis/node_index.py`): the same nodes, in the same order, as
filtering `ast.walk` with `isinstance`, for every node type of real files; cached per subtree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from layerlint.analysis.node_index import has_type, nodes_of_type

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = sorted(FIXTURES.rglob("*.py"))[:40]

SOURCE = """\
class Block(Layer):
    def __init__(self, units):
        super().__init__()
        self.dense = Dense(units)
        self.w = tf.Variable(tf.zeros((units,)))

    def call(self, x):
        for layer in self.layers:
            x = layer(x) if x is not None else x
        print(x)
        return self.dense(x) * self.w
"""


def _node_types(tree: ast.AST) -> set[type[ast.AST]]:
    return {type(node) for node in ast.walk(tree)}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_same_nodes_in_walk_order_as_isinstance_filter(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    subtrees = [tree, *(node for node in ast.walk(tree)
                        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.stmt)))][:200]
    for subtree in subtrees:
        for node_type in _node_types(tree):
            expected = [node for node in ast.walk(subtree) if isinstance(node, node_type)]
            assert list(nodes_of_type(subtree, node_type)) == expected
            assert has_type(subtree, node_type) == bool(expected)


def test_absent_type_is_empty_and_index_is_shared() -> None:
    tree = ast.parse(SOURCE)
    block = tree.body[0]
    assert list(nodes_of_type(block, ast.While)) == []
    assert not has_type(block, ast.While)
    calls = nodes_of_type(block, ast.Call)
    assert [ast.unparse(call.func) for call in calls][:3] == ["super().__init__", "Dense", "tf.Variable"]
    assert nodes_of_type(block, ast.Call) is calls  # built once per subtree, then reused


def test_a_new_tree_with_the_same_text_gets_its_own_nodes() -> None:
    first = ast.parse(SOURCE)
    second = ast.parse(SOURCE)
    first_calls = nodes_of_type(first, ast.Call)
    second_calls = nodes_of_type(second, ast.Call)
    assert len(first_calls) == len(second_calls)
    assert all(a is not b for a, b in zip(first_calls, second_calls))
    assert all(any(call is node for node in ast.walk(second)) for call in second_calls)
