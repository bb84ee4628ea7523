"""The one call a call-site quick-fix rewrites: its position in the fix's data, and where it is.

Fixes that rename or replace a single call (`print` -> `tf.print`, `tf.Variable` ->
`self.add_weight`) carry `data["call_sites"]`: one [line, column] pair, 1-based, the column in
characters as editors count them. `ast` counts columns in UTF-8 bytes, so a node is compared
and cut at character positions. Not a fix itself (no KIND).
"""

from __future__ import annotations

import ast
from typing import Any

from layerlint.fixes import FixError


def one_call_site(data: dict[str, Any], kind: str) -> tuple[int, int]:
    """The single (line, column) of `data["call_sites"]`; FixError naming `kind` when it is
    missing, malformed or not exactly one."""
    try:
        ((line, column),) = [(int(a), int(b)) for a, b in data["call_sites"]]
    except (KeyError, TypeError, ValueError) as error:
        raise FixError(f"malformed {kind} data: {error!r}") from error
    return line, column


def starts_at(node: ast.expr, lines: list[str], line: int, column: int) -> bool:
    """Whether `node` starts at 1-based `line` and character `column` of `lines`."""
    return node.lineno == line and _char_column(lines[line - 1], node.col_offset) + 1 == column


def text_offset(lines: list[str], line: int, byte_column: int) -> int:
    """Character offset in the whole text of a 1-based line and a UTF-8 byte column."""
    return sum(len(text) for text in lines[: line - 1]) + _char_column(lines[line - 1], byte_column)


def _char_column(line_text: str, byte_offset: int) -> int:
    # Imported on use: `layerlint.analysis` loads the rules, the rules load the fixes that use
    # this module, so importing it at load time would make this module part of that circle.
    from layerlint.analysis.source import char_column

    return char_column(line_text, byte_offset)
