"""Splits a module into top-level blocks and parses each one once.

Typing changes one block at a time, so the parse result of every other block is reused from a
content-keyed cache: after a keystroke in a 10,000-line file only the edited class is parsed
again. A block that does not parse is reported as a syntax problem while every other block is
still analysed, which keeps half-typed code useful.

Line numbers inside a parsed block are relative to the block (its first line is 1); the engine
adds the block's start line when it reports.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from layerlint.analysis.class_reparse import Parsed, reparsed

# A block starts at a line whose first character is code, not indentation, a comment, a closing
# bracket, or the continuation keyword of a compound statement.
# Searching for the newline first lets the regex engine skip ahead at C speed.
_BLOCK_START = re.compile(r"\n(?![\s#)\]}]|else\b|elif\b|except\b|finally\b|case\b)(?=.)")
_MAX_MERGE = 4
_DEFINITION = re.compile(r"(?:async\s+def|def|class|@|import|from)\b|@")
_CACHE_SIZE = 8192


@dataclass(frozen=True)
class Block:
    start_line: int
    """1-based line of the block's first line in the module."""
    text: str
    tree: ast.Module | None
    error: tuple[str, int, int] | None = None
    """(message, line, column) of a syntax error, block-relative; None when the block parsed."""


_parse_cache: OrderedDict[str, Parsed] = OrderedDict()


_edit_base: list[tuple[str, ast.Module, int]] = []
"""While `document_state` splits the region of an edit: the previous text and tree of the block
the edit began in, and how many of its first characters the new text keeps (`edited_from`)."""


@contextmanager
def edited_from(base_text: str, base_tree: ast.Module, shared: int) -> Iterator[None]:
    """Inside the block, the first parse of a text that starts with `base_text[:shared]` may
    reuse `base_tree` for the statements above the edit (`class_reparse`): the same tree."""
    _edit_base[:] = [(base_text, base_tree, shared)]
    try:
        yield
    finally:
        _edit_base.clear()


def parse_block_text(text: str) -> Parsed:
    cached = _parse_cache.get(text)
    if cached is not None:
        _parse_cache.move_to_end(text)
        return cached
    result = None
    if _edit_base and text.startswith(_edit_base[0][0][:_edit_base[0][2]]):
        base_text, base_tree, shared = _edit_base.pop()
        result = reparsed(text, base_text, base_tree, shared)
    if result is None:
        result = _parsed(text)
    _parse_cache[text] = result
    if len(_parse_cache) > _CACHE_SIZE:
        _parse_cache.popitem(last=False)
    return result


def remember_parse(text: str, parsed: Parsed) -> None:
    """`parse_block_text(text)` gives `parsed` (a tree known to be the parse of `text`: a
    block whose edit changed only a comment keeps its tree, `comment_edit`)."""
    _parse_cache[text] = parsed
    _parse_cache.move_to_end(text)
    if len(_parse_cache) > _CACHE_SIZE:
        _parse_cache.popitem(last=False)


def _parsed(text: str) -> Parsed:
    try:
        return ast.parse(text), None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        # RecursionError/MemoryError: nesting deeper than CPython's parser can build.
        line = getattr(error, "lineno", None) or 1
        column = getattr(error, "offset", None) or 1
        message = getattr(error, "msg", None) or str(error)
        return None, (message, line, column)


def forget_parses(texts: set[str]) -> None:
    """Drop the cached parses of `texts` (blocks that left a document: `document_memory`)."""
    for text in texts:
        _parse_cache.pop(text, None)


def _raw_block_starts(text: str) -> list[int]:
    starts = [match.start() + 1 for match in _BLOCK_START.finditer(text)]
    starts.insert(0, 0)
    # A decorator belongs to the definition below it.
    merged: list[int] = []
    previous_is_decorator = False
    for offset in starts:
        if previous_is_decorator and merged:
            previous_is_decorator = text.startswith("@", offset)
            continue
        merged.append(offset)
        previous_is_decorator = text.startswith("@", offset)
    return merged


def split_blocks(text: str) -> list[Block]:
    """Split `text` into parsed top-level blocks (a syntax-error block keeps its text)."""
    starts = _raw_block_starts(text)
    pieces = [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)])]
    blocks: list[Block] = []
    line = 1
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        tree, error = parse_block_text(piece)
        consumed = 1
        if error is not None and "unterminated triple-quoted" in error[0]:
            # Column-0 lines inside a long string (a docstring holding code examples) look
            # like block starts: join every piece up to the string's closing quotes.
            needed = _pieces_to_close_string(text, starts, index, error)
            if needed > 1:
                joined = "".join(pieces[index:index + needed])
                joined_tree, joined_error = parse_block_text(joined)
                if joined_error is None:
                    piece, tree, error, consumed = joined, joined_tree, None, needed
        if error is not None and _may_continue(error[0]):
            # A string or bracket that spans a column-0 line splits a statement in two:
            # try joining the following pieces before calling the code broken.
            joined = piece
            for extra in range(1, _MAX_MERGE + 1):
                if index + extra >= len(pieces) or _DEFINITION.match(pieces[index + extra]):
                    # A bracket left open while typing must not pull the next class in.
                    break
                joined += pieces[index + extra]
                joined_tree, joined_error = parse_block_text(joined)
                if joined_error is None:
                    piece, tree, error, consumed = joined, joined_tree, None, extra + 1
                    break
        blocks.append(Block(line, piece, tree, error))
        line += piece.count("\n")
        index += consumed
    return blocks


def _pieces_to_close_string(
    text: str, starts: list[int], index: int, error: tuple[str, int, int]
) -> int:
    """How many pieces, from `index`, it takes to reach the closing quotes of the triple-quoted
    string that the syntax error says is unterminated (0 when they cannot be found)."""
    _, line, column = error
    piece_start = starts[index]
    line_start = piece_start
    for _ in range(line - 1):
        line_start = text.find("\n", line_start) + 1
    opening = min(
        (found for quote in ('"""', "'''")
         if (found := text.find(quote, line_start + max(column - 1, 0))) >= 0),
        default=-1,
    )
    if opening < 0:
        return 0
    closing = text.find(text[opening:opening + 3], opening + 3)
    if closing < 0:
        return 0
    end = closing + 3
    needed = 1
    while index + needed < len(starts) and starts[index + needed] < end:
        needed += 1
    return needed


def _may_continue(message: str) -> bool:
    """Whether a syntax error could come from a statement that goes on in the next piece."""
    return any(hint in message for hint in ("never closed", "unterminated", "EOF", "unexpected indent",
                                            "expected an indented block"))

