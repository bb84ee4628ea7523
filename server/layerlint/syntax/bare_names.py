"""Statements that only name something: `model`, `model.layers`, a docstring, `...`.

Such a statement calls, binds and changes nothing, so a pass that reads a module's own code can
leave it out. They matter because most half-typed lines of a script that parse are one: the
keys of `model.fit(x)` go through `m`, `model` and `model.fit`, and a pass that skips them keeps
its last result for those keys.
"""

from __future__ import annotations

import ast


def named_attributes(statement: ast.stmt) -> list[str] | None:
    """The attributes a statement that only names something reads, outermost first
    (`model.layers` gives `["layers"]`, `model` and a docstring `[]`); None for any other
    statement."""
    if type(statement) is not ast.Expr:
        return None
    value = statement.value
    attributes = []
    while type(value) is ast.Attribute:
        attributes.append(value.attr)
        value = value.value
    return attributes if type(value) is ast.Name or type(value) is ast.Constant else None


def only_names(statement: ast.stmt) -> bool:
    """Whether `statement` only names something (`named_attributes`)."""
    return named_attributes(statement) is not None


__all__ = ["named_attributes", "only_names"]
