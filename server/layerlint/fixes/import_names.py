"""Adding an import line a quick-fix needs, and parsing the text a fix starts from.

How a name is spelled through the module's imports (and which import a fix must add) is
`layerlint.syntax.import_names`; this module writes the line. Not a fix itself (no KIND).
"""

from __future__ import annotations

import ast

from layerlint.fixes import FixError
from layerlint.fixes.text_blocks import split_lines


# -- adding the import -------------------------------------------------------------------------
def add_import(source: str, statement: str | None) -> str:
    """Insert `statement` as its own line after the last top-level import (or the docstring)."""
    if statement is None:
        return source
    tree = parse(source)
    lines = split_lines(source)
    after = _import_anchor(tree)
    newline = newline_of(lines)
    if after and after <= len(lines) and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    lines.insert(after, statement + newline)
    return "".join(lines)


def _import_anchor(tree: ast.Module) -> int:
    """The line after which a new import goes: the last import before the first other code."""
    anchor = 0
    for index, statement in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
        )
        if isinstance(statement, (ast.Import, ast.ImportFrom)) or is_docstring:
            anchor = statement.end_lineno or statement.lineno
        elif anchor:
            break
    return anchor


def newline_of(lines: list[str]) -> str:
    """The line ending the text already uses (\\n when it has none)."""
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith(("\n", "\r")):
            return line[-1]
    return "\n"


def parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the document does not parse ({error}); fix the syntax error first") from error
