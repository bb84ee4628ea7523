"""`self.<name>` and the methods reached through `self` (`layerlint.syntax.self_attributes`)."""

import ast
import textwrap

from layerlint.syntax.self_attributes import is_self, methods_reached, self_attribute

CLASS = textwrap.dedent('''
    class Net:
        def __init__(self):
            self.bn = make()
            self._setup()

        def _setup(this):
            this._more()
            other._ignored()

        def _more(self):
            self.call()

        def call(self, x):
            return self._helper(x)

        def _helper(self, x):
            return x

        def _unused(self):
            pass
''')


def methods() -> dict[str, ast.FunctionDef]:
    (class_node,) = ast.parse(CLASS).body
    assert isinstance(class_node, ast.ClassDef)
    return {item.name: item for item in class_node.body if isinstance(item, ast.FunctionDef)}


def test_self_attribute_names_the_attribute_of_the_receiver_only():
    assert self_attribute(ast.parse("self.bn", mode="eval").body) == "bn"
    assert self_attribute(ast.parse("other.bn", mode="eval").body) is None
    assert self_attribute(ast.parse("self.bn.gamma", mode="eval").body) is None
    assert self_attribute(ast.parse("this.bn", mode="eval").body, receiver="this") == "bn"
    assert is_self(ast.parse("self", mode="eval").body)
    assert not is_self(ast.parse("self.x", mode="eval").body)


def test_methods_reached_follow_each_methods_own_receiver_in_order_found():
    assert methods_reached(methods(), ("__init__",)) == ["__init__", "_setup", "_more", "call", "_helper"]


def test_excluded_methods_are_not_followed_and_missing_roots_are_skipped():
    assert methods_reached(methods(), ("__init__", "build"), excluded={"call"}) == [
        "__init__", "_setup", "_more"]
    assert methods_reached(methods(), ("forward",)) == []


def test_a_cached_walk_gives_the_same_answer():
    walked: list[ast.AST] = []

    def counting_walk(node: ast.AST):
        walked.append(node)
        return ast.walk(node)

    assert methods_reached(methods(), ("call",), walk=counting_walk) == ["call", "_helper"]
    assert len(walked) == 2
