"""Finding the class or function a fix works in, and the names taken there."""

from __future__ import annotations

import ast
import textwrap

from layerlint.syntax.scope_names import (
    FUNCTION_TYPES,
    innermost_scope,
    names_taken_in_class,
    names_taken_in_function,
    names_taken_in_module,
)

SOURCE = textwrap.dedent(
    """\
    import numpy as np
    from keras import layers as kl
    import os.path

    LIMIT = 3


    class Outer(kl.Layer):
        units = 4

        def __init__(me, depth):
            me.bn = kl.BatchNormalization()
            me.extra_names = []

        @property
        def size(self):
            return self.units

        class Inner:
            def build(self):
                self.inner_attr = 1

        def call(self, x, *rest, scale=1, **options):
            global LIMIT
            try:
                y = np.abs(x)
            except ValueError as problem:
                y = problem
            match y:
                case {"k": found, **others}:
                    pass
                case [first, *tail]:
                    pass
            return y
    """
)
TREE = ast.parse(SOURCE)


def line_of(text: str) -> int:
    return SOURCE.splitlines().index(text) + 1


def test_innermost_scope_picks_the_nested_node() -> None:
    inner_line = line_of("            self.inner_attr = 1")
    assert innermost_scope(TREE, inner_line, (ast.ClassDef,)).name == "Inner"
    assert innermost_scope(TREE, inner_line, FUNCTION_TYPES).name == "build"
    assert innermost_scope(TREE, line_of("    units = 4"), FUNCTION_TYPES) is None
    assert innermost_scope(TREE, line_of("    units = 4"), (ast.ClassDef,)).name == "Outer"
    # A decorator line belongs to the function it decorates.
    assert innermost_scope(TREE, line_of("    @property"), FUNCTION_TYPES).name == "size"
    assert innermost_scope(TREE, line_of("LIMIT = 3"), (ast.ClassDef, *FUNCTION_TYPES)) is None


def test_class_names_cover_attributes_methods_and_class_variables() -> None:
    outer = innermost_scope(TREE, line_of("    units = 4"), (ast.ClassDef,))
    taken = names_taken_in_class(outer)
    # `me.bn`: the receiver is whatever the method calls its first parameter.
    assert {"bn", "extra_names", "units", "size", "call", "Inner", "inner_attr"} <= taken
    assert "x" not in taken  # a parameter is no attribute
    assert "np" not in taken


def test_function_names_cover_every_binding_form() -> None:
    call = innermost_scope(TREE, line_of("        return y"), FUNCTION_TYPES)
    taken = names_taken_in_function(call)
    expected = {"self", "x", "rest", "scale", "options", "LIMIT", "y", "np", "problem"}
    assert expected | {"found", "others", "first", "tail"} <= taken
    assert "bn" not in taken


def test_module_names_include_imports_and_everything_below() -> None:
    taken = names_taken_in_module(TREE)
    assert {"np", "kl", "os", "LIMIT", "Outer", "Inner", "y", "problem"} <= taken
    assert "path" not in taken  # `import os.path` binds `os` only
