"""Where the one call a call-site quick-fix rewrites is in the text.

Fixes that rename or replace a single call (`print` -> `tf.print`, `tf.Variable` ->
`self.add_weight`) carry its position (`call_site` of their request): a (line, column) pair,
1-based, the column in characters as editors count them. `ast` counts columns in UTF-8 bytes, so
a node is compared and cut at character positions. Not a fix itself (no KIND).
"""

from __future__ import annotations

import ast

from layerlint.syntax.positions import char_column


def starts_at(node: ast.expr, lines: list[str], line: int, column: int) -> bool:
    """Whether `node` starts at 1-based `line` and character `column` of `lines`."""
    return node.lineno == line and char_column(lines[line - 1], node.col_offset) + 1 == column


def text_offset(lines: list[str], line: int, byte_column: int) -> int:
    """Character offset in the whole text of a 1-based line and a UTF-8 byte column."""
    return sum(len(text) for text in lines[: line - 1]) + char_column(lines[line - 1], byte_column)
