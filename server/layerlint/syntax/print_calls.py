"""Whether a `print(...)` in a layer's call() keeps its meaning as `tf.print(...)`.

Plain values and the keywords `tf.print` shares with `print` (sep, end) do; an f-string or a
`%`/`.format()` formats its values once, at trace time, and a starred argument cannot be
checked. LL204 offers its fix only for these calls; the fix checks again before rewriting.
"""

from __future__ import annotations

import ast

_SHARED_KEYWORDS = {"sep", "end"}


def fixable(call: ast.Call) -> bool:
    """Whether `call` (a `print(...)`) keeps its meaning as `tf.print(...)`."""
    if any(keyword.arg not in _SHARED_KEYWORDS for keyword in call.keywords):
        return False
    return not any(_formats_at_trace_time(argument) for argument in call.args)


def _formats_at_trace_time(node: ast.expr) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr) and any(
            isinstance(part, ast.FormattedValue) for part in child.values
        ):
            return True
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Mod) and isinstance(
            child.left, (ast.Constant, ast.JoinedStr)
        ):
            return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and (
            child.func.attr == "format"
        ):
            return True
        if isinstance(child, ast.Starred):
            return True
    return False
