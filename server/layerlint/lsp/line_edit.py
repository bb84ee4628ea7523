"""The smallest whole-line text edit that turns one text into another.

A quick-fix returns the whole new module; sending that back as one full replacement would
move the user's cursor, scroll the editor and flood the undo history. Comparing the two texts
line by line from both ends and replacing only the lines in between keeps the edit minimal.
Lines are split the way LSP counts them (`\\n`, `\\r\\n`, `\\r`), not like `str.splitlines`,
which also breaks on form feeds and Unicode separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lsprotocol import types

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines_keepends(text: str) -> list[str]:
    """The lines of `text` with their line breaks, as LSP counts lines."""
    return _LINE.findall(text)


def split_lines(text: str) -> list[str]:
    """The lines of `text` without line breaks; a trailing break yields a last empty line."""
    if "\r" not in text:
        return text.split("\n")  # the common case, several times faster than the regex
    return _LINE_BREAK.split(text)


def line_range_edit(
    old: str, new: str, units: Callable[[str], int] = len
) -> types.TextEdit | None:
    """The edit replacing only the lines that differ between `old` and `new` (None if equal).

    `units` counts a string's length in the client's position encoding (UTF-16 by default in
    LSP); it is only needed when the edit ends on a last line without a line break.
    """
    if old == new:
        return None
    old_lines = split_lines_keepends(old)
    new_lines = split_lines_keepends(new)
    shortest = min(len(old_lines), len(new_lines))
    prefix = 0
    while prefix < shortest and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < shortest - prefix
        and old_lines[len(old_lines) - 1 - suffix] == new_lines[len(new_lines) - 1 - suffix]
    ):
        suffix += 1
    old_end = len(old_lines) - suffix
    replacement = "".join(new_lines[prefix : len(new_lines) - suffix])
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=prefix, character=0),
            end=_end_of_line_range(old_lines, old_end, units),
        ),
        new_text=replacement,
    )


def _end_of_line_range(
    old_lines: list[str], end_index: int, units: Callable[[str], int]
) -> types.Position:
    """Where a replacement of `old_lines[:end_index]`'s tail ends."""
    if end_index < len(old_lines) or not old_lines or _LINE_BREAK.search(old_lines[-1]):
        # Either a line follows, or the text ends with a break: the start of the next line.
        return types.Position(line=end_index, character=0)
    last = old_lines[-1]
    return types.Position(line=len(old_lines) - 1, character=units(last))
