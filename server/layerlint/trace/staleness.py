"""When does a trace result still describe the text in the editor, and at which lines?

At trace time we remember the exact text of every top-level statement (class, function, or a
module-level line of functional-API code) that holds a traced line or the traced class. Later,
against the current text, each block is looked up verbatim, nearest to where it was: edits
elsewhere only shift lines; an edit inside any of them makes the whole result stale (a changed
class is a different model, and its shapes are no longer known). Text-based, so a syntax
error being typed elsewhere in the file does not hide the results.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

LineMap = Callable[[int], int | None]
"""Old 1-based line -> current 1-based line (None: outside the anchored blocks)."""


@dataclass(frozen=True)
class Block:
    start: int
    """1-based first line (decorators included)."""
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Anchor:
    blocks: tuple[Block, ...]


def anchor(text: str, lines: Iterable[int]) -> Anchor:
    """Remember the top-level statements of `text` that contain any of `lines`."""
    wanted = set(lines)
    text_lines = text.splitlines()
    # Text that does not parse (a trace that failed on a syntax error): all of it is the block.
    spans = _top_level_spans(text) or [(1, len(text_lines))]
    blocks = []
    for start, end in spans:
        if any(start <= line <= end for line in wanted):
            blocks.append(Block(start, tuple(text_lines[start - 1:end])))
    return Anchor(tuple(blocks))


def relocate(saved: Anchor, text: str) -> LineMap | None:
    """A line map from the saved text to `text`, or None when a saved block changed."""
    current = text.splitlines()
    shifts: list[tuple[int, int, int]] = []  # (old start, old end, shift)
    for block in saved.blocks:
        found = _find_block(current, block)
        if found is None:
            return None
        shifts.append((block.start, block.start + len(block.lines) - 1, found - block.start))

    def line_map(line: int) -> int | None:
        for start, end, shift in shifts:
            if start <= line <= end:
                return line + shift
        return None

    return line_map


def _find_block(current: list[str], block: Block) -> int | None:
    """1-based start of `block` in `current`, the occurrence nearest its old place."""
    if not block.lines:
        return block.start
    first, size = block.lines[0], len(block.lines)
    candidates = [index + 1 for index, line in enumerate(current) if line == first]
    candidates.sort(key=lambda start: abs(start - block.start))
    for start in candidates:
        if tuple(current[start - 1:start - 1 + size]) == block.lines:
            return start
    return None


def _top_level_spans(text: str) -> list[tuple[int, int]]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    spans = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(item.lineno for item in decorators)])
        spans.append((start, node.end_lineno or node.lineno))
    return spans
