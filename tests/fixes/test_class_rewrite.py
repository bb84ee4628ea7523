"""Rewriting one top-level class with libcst while every other byte stays put."""

import ast

import libcst as cst
import pytest

from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import find_class, rewrite_class

SOURCE = (
    "# header comment\r\n"
    "x = {'a':1}   # odd spacing stays\r\n"
    "\r\n"
    "@decorator\r\n"
    "class A:\r\n"
    "    pass\r\n"
    "\r\n"
    "class A:  # redefined\r\n"
    "    value = 1\r\n"
)


def _rename(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
    return node.with_changes(name=cst.Name(f"Line{first_line}"))


def test_rewrites_only_the_named_class_and_keeps_everything_else():
    fixed = rewrite_class(SOURCE, "A", _rename, line=5)
    assert fixed == SOURCE.replace("class A:\r\n    pass", "class Line4:\r\n    pass")


def test_without_a_line_the_binding_python_keeps_is_used():
    fixed = rewrite_class(SOURCE, "A", _rename)
    assert fixed == SOURCE.replace("class A:  # redefined", "class Line8:  # redefined")


def test_find_class_with_a_line_inside_its_decorators():
    tree = ast.parse(SOURCE)
    assert find_class(tree, "A", 4).lineno == 5


def test_unknown_class_or_line_is_a_fix_error():
    with pytest.raises(FixError):
        rewrite_class(SOURCE, "B", _rename)
    with pytest.raises(FixError):
        rewrite_class(SOURCE, "A", _rename, line=2)
