"""The syntax checks that decide whether a rule offers its fix, shared with the fix itself:
`print` -> `tf.print` (`syntax.print_calls`) and a generated config (`syntax.init_method`)."""

import ast
import textwrap

import pytest

from layerlint.syntax.init_method import config_fix_problem, own_init, super_init_statement
from layerlint.syntax.print_calls import fixable


def call(code: str) -> ast.Call:
    node = ast.parse(code, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


@pytest.mark.parametrize("code, expected", [
    ('print("mean", x)', True),
    ('print(x, sep=", ", end="")', True),
    ('print(x, file=sys.stderr)', False),  # tf.print has no `file`
    ('print(f"mean {x}")', False),  # formatted once, at trace time
    ('print("%s" % x)', False),
    ('print("{}".format(x))', False),
    ("print(*xs)", False),
    ('print(f"plain")', True),  # no value inside: nothing is formatted
])
def test_print_keeps_its_meaning_as_tf_print_only_for_plain_values(code: str, expected: bool):
    assert fixable(call(code)) is expected


def class_node(code: str) -> ast.ClassDef:
    (node,) = ast.parse(textwrap.dedent(code)).body
    assert isinstance(node, ast.ClassDef)
    return node


def test_a_class_with_an_init_that_calls_super_can_get_a_config():
    node = class_node("""
        class Wrap(Layer):
            def __init__(self, inner, **kwargs):
                super().__init__(**kwargs)
                self.inner = inner
    """)
    init = own_init(node)
    assert init is not None and init.name == "__init__"
    assert super_init_statement(init) is init.body[0]
    assert config_fix_problem(node) is None


@pytest.mark.parametrize("code, problem", [
    ("class A(Layer):\n    pass\n", "no __init__ of its own"),
    ("class A(Layer):\n    def __init__(self, *args):\n        super().__init__()\n", "*args"),
    ("class A(Layer):\n    def __init__(self, x):\n        self.x = x\n", "no `super().__init__(...)`"),
    ("class A(Layer):\n    def __init__(self):\n        super().__init__()\n"
     "    def get_config(self):\n        return {}\n", "already defines get_config"),
])
def test_why_a_class_cannot_get_a_generated_config(code: str, problem: str):
    assert problem in (config_fix_problem(class_node(code)) or "")
