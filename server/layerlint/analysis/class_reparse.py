"""The tree of an edited class, built from its previous tree and a parse of the edited part.

Typing changes one statement of a class body (usually inside a method), yet the whole class
used to be parsed again on every keystroke. When the previous text of the block parsed as one
class, and the edit leaves the body statements above the edited one unchanged (`shared`: the
texts agree up to there), only the text from that statement's first line to the block's end
is parsed, under a stand-in class header, padded with empty lines so that every line number
and column comes out as in a parse of the whole text. The new class node holds the previous
tree's statements above the edit and the statements of that parse. Where the text below the
edited statement is the previous text's, on the same lines (an edit that added or removed no
line), only the edited statement's own lines are parsed, and the statements below are kept
too (the text below must begin its line: spaces put before it would move its columns).

An edit inside a method goes one level deeper (`_method_reparsed`): the same stand-in header
holds the method's edited statement at its own indentation (the parser does not ask what a
statement is nested in), so only that statement's lines are parsed where the method's
statements below it are unchanged on the same lines, or the method's statements from the
edited one on where the method is the class's last statement. Its syntax error is not taken
for the whole text's (the stand-in's indentation stack lacks the method's level): the class
level then parses as above.

It is the tree `ast.parse` gives for the whole text: the unchanged statements end at a line
boundary with no bracket, string or continuation open, so the tokenizer enters the edited
line in the same state under the stand-in header as after them (at the start of a logical
line, the class body's indentation on its stack, the same whitespace); from there both read
the same characters, so a tail that does not parse gives the whole text's syntax error, on
the same line and column. The checks below refuse any other case (a statement, or its first
decorator, that does not start its line, a line continued into it, a changed indentation, a
blank or comment line where the edited statement began, a tail that leaves the class, an
error placed above the edited line): the caller then parses the whole text. The statements
above the edit are the previous tree's nodes: unchanged text, as the rest of the analysis
assumes of a node (design §1a); only the class and module nodes (and an edited method's) are
new. Random edits check both against whole parses (`tests/analysis/test_class_reparse.py`).
"""

from __future__ import annotations

import ast
import bisect
from typing import Any

_HEADER = "class _:\n"


Parsed = tuple[ast.Module | None, tuple[str, int, int] | None]
"""(tree, None) or (None, (message, line, column) of the syntax error), as `source` keeps it."""


def reparsed(text: str, base_text: str, base_tree: ast.Module, shared: int) -> Parsed | None:
    """The parse of `text`, whose first `shared` characters are those of `base_text` (whose
    tree is `base_tree`); None where the previous tree cannot serve (parse the whole text)."""
    body = base_tree.body
    if len(body) != 1 or type(body[0]) is not ast.ClassDef or base_tree.type_ignores:
        return None
    old_class = body[0]
    statements = old_class.body
    found = _edited_statement(text, base_text, statements, shared, lowest=0)
    if found is None:
        return None
    index, line, line_start, starts = found
    fields = _fields(old_class)
    last = index == len(statements) - 1
    method = _method_reparsed(text, base_text, statements[index], shared, last)
    if method is not None:  # only statements of the edited method were parsed
        fields["body"] = [*statements[:index], method, *statements[index + 1:]]
        end = method if last else old_class
        return ast.Module(body=[ast.ClassDef(
            **fields, lineno=old_class.lineno, col_offset=old_class.col_offset,
            end_lineno=end.end_lineno, end_col_offset=end.end_col_offset)], type_ignores=[]), None
    if index < 1:
        return None  # the stand-in header would stand where the class's header is
    below = _region_end(text, base_text, starts, index, line_start)
    if below is not None:  # the statements below are unchanged, on the same lines
        region = _class_body("\n" * (line - 2) + _HEADER + text[line_start:below])
        if region is not None and region.body:
            fields["body"] = statements[:index] + region.body + statements[index + 1:]
            return ast.Module(body=[ast.ClassDef(
                **fields, lineno=old_class.lineno, col_offset=old_class.col_offset,
                end_lineno=old_class.end_lineno, end_col_offset=old_class.end_col_offset)],
                type_ignores=[]), None
    padded = "\n" * (line - 2) + _HEADER + text[line_start:]
    try:
        tail = ast.parse(padded)
    except SyntaxError as error:
        # The whole text's error: the same characters read in the same state (see above).
        # One reported above the edited line would be the stand-in's: parse the whole text.
        found_line = getattr(error, "lineno", None) or 0
        if found_line < line or not error.msg:
            return None
        return None, (error.msg, found_line, getattr(error, "offset", None) or 1)
    except (ValueError, RecursionError, MemoryError):
        return None
    if len(tail.body) != 1 or type(tail.body[0]) is not ast.ClassDef or tail.type_ignores:
        return None  # the tail left the class (a statement at column 0)
    stand_in = tail.body[0]
    fields["body"] = statements[:index] + stand_in.body
    new_class = ast.ClassDef(**fields, lineno=old_class.lineno, col_offset=old_class.col_offset,
                             end_lineno=stand_in.end_lineno, end_col_offset=stand_in.end_col_offset)
    return ast.Module(body=[new_class], type_ignores=[]), None


def _edited_statement(text: str, base_text: str, statements: list[ast.stmt], shared: int,
                      lowest: int = 1) -> tuple[int, int, int, list[int]] | None:
    """The body statement (of a class, or of a method) the edit begins in: its index, first
    line and that line's offset, and every statement's first line; None where the edit cannot
    be parsed from that statement's line on (see the module's docstring), or begins above the
    statement at index `lowest`."""
    if not statements:
        return None
    changed_line = base_text.count("\n", 0, shared) + 1  # the first line that may differ
    starts = [_first_line(statement) for statement in statements]
    index = bisect.bisect_right(starts, changed_line) - 1
    if index < lowest:
        return None  # the edit reaches the header (or the class's first statement)
    statement, line = statements[index], starts[index]
    if index and (statements[index - 1].end_lineno or line) >= line:
        return None  # two statements on one line (`a = 1; b = 2`)
    line_start = _line_offset(base_text, line)
    if line_start is None or line_start > shared or base_text[line_start - 2] == "\\":
        return None
    indent = statement.col_offset  # a decorated definition's `def`: the decorators' column
    old_line = base_text[line_start:line_start + indent + 1]
    first = old_line[indent:indent + 1]
    if old_line[:indent].strip(" \t") or first in ("", " ", "\t", "\f") or (
            line != statement.lineno and first != "@"):
        return None  # the statement does not begin its line
    new_line_end = text.find("\n", line_start)
    new_line = text[line_start:] if new_line_end < 0 else text[line_start:new_line_end]
    code = new_line[indent:]
    if new_line[:indent] != old_line[:indent] or not code or code[0] in " \t\f#\\":
        return None  # the edited line's indentation or start changed
    return index, line, line_start, starts


def _method_reparsed(text: str, base_text: str, method: ast.stmt, shared: int,
                     last: bool) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The edited method, its statements from the edited one parsed under the stand-in header
    (at their own indentation: the parser does not ask what a statement is nested in), the
    others the previous nodes: where the statements below the edited one are unchanged, on
    the same lines, only its own lines; where the method is the class's `last` statement,
    from its first line to the end (what follows is the method's, or the class's blank lines
    and comments). A keystroke in `call()` parses one statement, not the method, and the
    previous nodes stay those of the statements around it. None where that cannot serve; a
    text that does not parse so is left to the class (the stand-in's indentation is not the
    method's: its syntax error is not the whole text's)."""
    if type(method) is not ast.FunctionDef and type(method) is not ast.AsyncFunctionDef:
        return None
    statements = method.body
    # Its first statement too: one on the header's line does not begin its line (refused).
    found = _edited_statement(text, base_text, statements, shared, lowest=0)
    if found is None:
        return None
    index, line, line_start, starts = found
    below = _region_end(text, base_text, starts, index, line_start)
    if below is None and not last:
        return None
    padded = "\n" * (line - 2) + _HEADER + (text[line_start:] if below is None
                                            else text[line_start:below])
    region = _class_body(padded)
    if region is None or not region.body:
        return None
    fields = _fields(method)
    if below is not None:
        fields["body"] = [*statements[:index], *region.body, *statements[index + 1:]]
        end: ast.stmt = method
    else:  # the method ends where the parsed statements do
        fields["body"] = [*statements[:index], *region.body]
        end = region
    return type(method)(**fields, lineno=method.lineno, col_offset=method.col_offset,
                        end_lineno=end.end_lineno, end_col_offset=end.end_col_offset)


def _fields(node: ast.AST) -> dict[str, Any]:
    """A node's fields, each list copied (the new node's own)."""
    fields = {name: getattr(node, name) for name in node._fields}
    for name, value in fields.items():
        if isinstance(value, list):
            fields[name] = list(value)
    return fields


def _region_end(text: str, base_text: str, starts: list[int], index: int,
                line_start: int) -> int | None:
    """Where the edited statement's region ends in `text` (the first line of the statement
    after it), when from there on `text` is `base_text`'s tail on the same lines; else None.
    That statement began its line in the previous parse, with a token that starts a statement
    (not `else` or `except`), so a region that parses whole ends where it begins."""
    if index + 1 >= len(starts):
        return None
    old_end = _line_offset(base_text, starts[index + 1])
    if old_end is None:
        return None
    end = old_end + len(text) - len(base_text)
    if end <= line_start or text[end - 1] != "\n" or text.count("\n") != base_text.count(
            "\n") or not text.endswith(base_text[old_end:]):
        return None  # (the tail must begin its line: spaces put before it move its columns)
    return end


def _class_body(padded: str) -> ast.ClassDef | None:
    """The stand-in class of a padded region that parses as that class alone."""
    try:
        tree = ast.parse(padded)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(tree.body) != 1 or type(tree.body[0]) is not ast.ClassDef or tree.type_ignores:
        return None
    return tree.body[0]


def _first_line(statement: ast.stmt) -> int:
    """The line a body statement starts on (its first decorator's, if any)."""
    decorators = getattr(statement, "decorator_list", None)
    if decorators:
        return min(decorator.lineno for decorator in decorators)
    return statement.lineno


def _line_offset(text: str, line: int) -> int | None:
    """Offset of the first character of 1-based `line` (None past the end)."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return None
    return offset


__all__ = ["Parsed", "reparsed"]
