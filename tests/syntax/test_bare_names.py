"""Statements that only name something (`syntax/bare_names`)."""

from __future__ import annotations

import ast

import pytest

from layerlint.syntax.bare_names import named_attributes, only_names


def _statement(text: str) -> ast.stmt:
    (statement,) = ast.parse(text).body
    return statement


@pytest.mark.parametrize("text, attributes", [
    ("model", []),
    ("model.fi", ["fi"]),
    ("model.layers.count", ["count", "layers"]),
    ('"""A docstring."""', []),
    ("...", []),
    ("3", []),
    ("model.fit()", None),  # a call
    ("model[0]", None),
    ("x = model", None),
    ("-x", None),
    ("model.fit().history", None),  # an attribute of a call
])
def test_what_only_names_something(text, attributes):
    assert named_attributes(_statement(text)) == attributes
    assert only_names(_statement(text)) is (attributes is not None)
