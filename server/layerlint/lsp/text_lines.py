"""The lines of an analysed document, read from the blocks its analysis split it into.

Placing a keystroke's diagnostics reads a few lines of the text (those of its findings, and
those a reused diagnostic was placed on), but splitting the whole text into lines to get them
cost ~0.1 ms on a 2,000-line file and ~0.5 ms at 10,000 lines, per keystroke. The analysis
has split the same text into top-level blocks already (`document_state.document_blocks`, the
same `Block` objects while they do not change), each knowing its first line: a line is found
in its block, and each block's text is split only when one of its lines is read.

Same lines as `line_edit.split_lines` (the blocks tile the text; a text with a carriage return,
which the analysis rewrote, is split as before).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from operator import attrgetter
from typing import overload

from layerlint.analysis.document_state import document_blocks
from layerlint.analysis.source import Block
from layerlint.lsp.line_edit import split_lines


def document_lines(text: str, path: str | None) -> Sequence[str]:
    """`split_lines(text)`, from the blocks of the analysis of `text` at `path` (it has just
    been analysed: its blocks are the document's current ones, nothing is split again)."""
    if path is None or "\r" in text:
        return split_lines(text)
    blocks = document_blocks(text, path)
    if not blocks or blocks[0].start_line != 1 \
            or sum(map(len, map(_TEXT, blocks))) != len(text):
        return split_lines(text)
    return BlockLines(blocks)


_TEXT = attrgetter("text")


class BlockLines(Sequence[str]):
    """The lines of the text the blocks tile, split block by block when read."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self._blocks = blocks
        self._firsts = [block.start_line - 1 for block in blocks]
        self._split: dict[int, list[str]] = {}
        self._count = self._firsts[-1] + blocks[-1].text.count("\n") + 1

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        number = bisect.bisect_right(self._firsts, index) - 1
        lines = self._split.get(number)
        if lines is None:
            lines = self._split[number] = self._blocks[number].text.split("\n")
        return lines[index - self._firsts[number]]


__all__ = ["BlockLines", "document_lines"]
