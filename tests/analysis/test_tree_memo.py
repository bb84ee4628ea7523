"""What module-wide passes remember on a tree: one memo per tree, forgotten by `caches.clear()`."""

import ast

from layerlint.analysis import caches, tree_memo


def test_each_tree_has_its_own_memo_until_the_caches_are_cleared():
    first, second = ast.parse("x = 1"), ast.parse("x = 1")
    tree_memo.memo(first)["pass"] = "remembered"
    assert tree_memo.memo(first)["pass"] == "remembered"
    assert "pass" not in tree_memo.memo(second)
    caches.clear()
    assert "pass" not in tree_memo.memo(first)


def test_the_memo_is_invisible_to_dump_and_unparse():
    tree = ast.parse("def f(x):\n    return x\n")
    before = ast.dump(tree, include_attributes=True), ast.unparse(tree)
    tree_memo.memo(tree)["pass"] = object()
    assert (ast.dump(tree, include_attributes=True), ast.unparse(tree)) == before
