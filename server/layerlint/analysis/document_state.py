"""What the analysis keeps per open document between two versions: its text and its blocks.

An editor sends a new version of a document after every keystroke, and some clients
(JupyterLab) send the whole text every time. `document_blocks` finds the changed region by
comparing the new text with the previous one (common prefix and suffix, compared in large
slices at C speed), re-splits only the blocks around that region, and reuses the other `Block`
objects (moved by the change in line count). Reusing them keeps their text objects too, so
every cache keyed on a block's text hashes and compares it by identity instead of by content.

The result is always what `split_blocks` returns for the whole text: the region is widened, or
the whole text split again, whenever a block boundary could depend on text outside the region
(a syntax error that may join the pieces after it, a decorator line just above the region's
end, a syntax error above the region).

A document's blocks come as `block_versions.Blocks`: a list that also says which span of
blocks differs from the previous version, so the module-wide passes read only those blocks.
"""

from __future__ import annotations

import ast
import bisect
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from layerlint.analysis.block_versions import Blocks, Change
from layerlint.analysis.comment_edit import same_tokens
from layerlint.analysis.document_memory import retire_blocks
from layerlint.analysis.source import (
    _BLOCK_START,
    _MAX_MERGE,
    Block,
    edited_from,
    remember_parse,
    split_blocks,
)

_MAX_DOCUMENTS = 32
_CHUNK = 4096
_MARGIN = 1
"""Unchanged blocks re-split on each side of the changed region (cheap: their parse is
cached), so an edit at a block's edge is split exactly as a whole split would."""


@dataclass(frozen=True)
class _Document:
    text: str
    blocks: Blocks
    starts: list[int]
    """Offset of each block's first character in `text`."""
    first_error: int
    """Index of the first block that does not parse (len(blocks) when all parse)."""
    last_good: _Base | None = None
    """While the block an edit broke stays broken: its last text that parsed, with its tree
    (`_edit_base`)."""
    broken: _Broken | None = None
    """While the block an edit broke stays broken and no other block changed: the version
    before the break (`_followed_break`)."""


@dataclass(frozen=True)
class _Broken:
    """A block that an edit broke, edited alone since: its index, the memo of the last version
    in which it parsed, and the lines the edits since moved the blocks below it."""

    index: int
    memo: dict[str, Any]
    line_delta: int


@dataclass(frozen=True)
class _Base:
    """What the parse of an edited block may reuse (`source.edited_from`): the previous text
    of the block starting at `start` that parsed, its tree, and how many of its first
    characters the block's new text keeps."""

    start: int
    text: str
    tree: ast.Module
    shared: int


_documents: OrderedDict[str, _Document] = OrderedDict()


def document_blocks(text: str, key: str | None) -> list[Block]:
    """The blocks of `text` (as `split_blocks`), reusing those of the previous version of the
    document `key` (its path) where the text did not change. No key: a plain split."""
    if key is None:
        return split_blocks(text)
    previous = _documents.get(key)
    blocks = base = None
    if previous is not None:
        if previous.text == text:
            _documents.move_to_end(key)
            return previous.blocks
        blocks, base = _resplit(previous, text)
    if blocks is None:
        blocks = Blocks(split_blocks(text))
    broken = None
    if previous is not None:
        broken = _followed_break(previous, blocks)
        _retire(previous.blocks, blocks)  # holds the change (and what it links to) until then
    _documents[key] = _state(text, blocks, previous, base, broken)
    _documents.move_to_end(key)
    if len(_documents) > _MAX_DOCUMENTS:
        _documents.popitem(last=False)
    return blocks


_retiring: list[tuple[Blocks, Blocks, Change | None]] = []
"""Versions replaced while `retiring_later` holds their retirement: (old, new, change)."""
_deferring = [0]


@contextmanager
def retiring_later() -> Iterator[None]:
    """Inside the block, the blocks a new version of a document replaced are retired
    (`document_memory.retire_blocks`) when the block ends, not while the version is analysed:
    the language server publishes the diagnostics inside it, so letting go of the old trees
    costs the edit nothing (it happens while the client reads them). The same work, in the
    same order; only later. Nested blocks retire when the outermost ends."""
    _deferring[0] += 1
    try:
        yield
    finally:
        _deferring[0] -= 1
        if not _deferring[0]:
            retire_pending()


def retire_pending() -> None:
    """Retire what `retiring_later` held back, oldest first."""
    while _retiring:
        old, new, change = _retiring.pop(0)
        retire_blocks(old, new, change)


def _retire(old: Blocks, new: Blocks) -> None:
    """Retire `old` now, or when `retiring_later` ends (with the change read now: the
    version's analysis cuts it off `new` when it settles)."""
    if _deferring[0]:
        _retiring.append((old, new, new.change))
    else:
        retire_blocks(old, new, new.change)


def held_blocks() -> list[list[Block]]:
    """The blocks of every document kept here."""
    return [state.blocks for state in _documents.values()]


def forget_document(key: str) -> list[Block]:
    """Drop the state of document `key`; its blocks (none if it had no state)."""
    state = _documents.pop(key, None)
    return state.blocks if state is not None else []


def _state(text: str, blocks: Blocks, previous: _Document | None = None,
           base: _Base | None = None, broken: _Broken | None = None) -> _Document:
    state = _counted(text, blocks, previous)
    if base is not None and blocks.change is not None:
        index = bisect.bisect_left(state.starts, base.start)
        if index >= len(blocks) or state.starts[index] != base.start or blocks[index].tree:
            base = None
    else:
        base = None
    if base is None and broken is None:
        return state
    return _Document(text, blocks, state.starts, state.first_error, base, broken)


def _followed_break(previous: _Document, blocks: Blocks) -> _Broken | None:
    """Follow a block that an edit broke while only it changes (each version's change is that
    one block): where it parses again, the version's change gets the change from the version
    before the break (`Change.since_parsed`). The new version's `broken` (None once the block
    parses again, or when another block changed)."""
    change = blocks.change
    if change is None or change.same_trees:
        return None
    index = change.first
    if change.old_end != index + 1 or change.new_end != index + 1:
        return None
    held = previous.broken if previous.broken is not None and previous.broken.index == index \
        else None
    if blocks[index].tree is None:
        if previous.blocks[index].tree is not None:  # the break
            return _Broken(index, change.previous, change.line_delta)
        if held is not None:
            return _Broken(index, held.memo, held.line_delta + change.line_delta)
        return None
    if held is not None:  # (the passes read it only where the caches were not cleared since)
        blocks.change = replace(change, since_parsed=Change(
            held.memo, index, index + 1, index + 1, held.line_delta + change.line_delta))
    return None


def _counted(text: str, blocks: Blocks, previous: _Document | None) -> _Document:
    change = blocks.change
    if previous is not None and change is not None:  # only the changed span is walked
        first, old_end, new_end = change.first, change.old_end, change.new_end
        starts = previous.starts[:first]
        offset = previous.starts[first] if first < len(previous.starts) else len(previous.text)
        first_error = len(blocks)
        for index in range(first, new_end):
            block = blocks[index]
            starts.append(offset)
            offset += len(block.text)
            if block.tree is None and first_error == len(blocks):
                first_error = index
        delta = len(text) - len(previous.text)
        starts.extend([start + delta for start in previous.starts[old_end:]] if delta
                      else previous.starts[old_end:])
        if previous.first_error < first:
            first_error = previous.first_error
        elif first_error == len(blocks):
            if previous.first_error >= old_end:  # the first error below, or none
                first_error = previous.first_error - old_end + new_end
            else:  # the change removed the first error: look below it
                first_error = next((index for index in range(new_end, len(blocks))
                                    if blocks[index].tree is None), len(blocks))
        return _Document(text, blocks, starts, first_error)
    starts = []
    offset = 0
    first_error = len(blocks)
    for index, block in enumerate(blocks):
        starts.append(offset)
        offset += len(block.text)
        if block.tree is None and first_error == len(blocks):
            first_error = index
    return _Document(text, blocks, starts, first_error)


def common_prefix(old: str, new: str) -> int:
    """Length of the longest common prefix of two strings."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start:start + _CHUNK] == new[start:start + _CHUNK]:
        start += _CHUNK
    if start >= limit:
        return limit
    end = min(start + _CHUNK, limit)
    # Binary search inside the first differing chunk.
    low, high = start, end
    while low < high:
        middle = (low + high + 1) // 2
        if old[start:middle] == new[start:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def common_suffix(old: str, new: str, limit: int) -> int:
    """Length of the longest common suffix of two strings, at most `limit`."""
    length = 0
    old_end, new_end = len(old), len(new)
    while (length + _CHUNK <= limit
           and old[old_end - length - _CHUNK:old_end - length]
           == new[new_end - length - _CHUNK:new_end - length]):
        length += _CHUNK
    low, high = length, min(length + _CHUNK, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if old[old_end - middle:old_end - length] == new[new_end - middle:new_end - length]:
            low = middle
        else:
            high = middle - 1
    return low


def _resplit(previous: _Document, text: str) -> tuple[Blocks | None, _Base | None]:
    """The new text's blocks, re-splitting only around the changed region (None when a
    whole split is needed), and what the edited block's parse could reuse (`_edit_base`)."""
    old, blocks, starts = previous.text, previous.blocks, previous.starts
    if not blocks:
        return None, None
    prefix = common_prefix(old, text)
    suffix = common_suffix(old, text, min(len(old), len(text)) - prefix)
    commented = _comment_edited(previous, text, prefix, suffix)
    if commented is not None:
        return commented, None
    first = max(0, bisect.bisect_left(starts, prefix) - 1 - _MARGIN)
    if previous.first_error < first:
        return None, None  # a broken block above may join text from the changed region
    # The first old block starting after the changed region's end (its preceding newline
    # unchanged too), plus a margin.
    after = bisect.bisect_left(starts, len(old) - suffix + 1) + _MARGIN
    delta = len(text) - len(old)
    base = _edit_base(previous, prefix)
    for _ in range(3):
        region_end = starts[after] + delta if after < len(blocks) else len(text)
        region = text[starts[first]:region_end]
        if base is not None:
            with edited_from(base.text, base.tree, base.shared):
                region_blocks = split_blocks(region)
        else:
            region_blocks = split_blocks(region)
        needed = _blocks_needed_after_errors(region_blocks)
        if needed is None:
            return None, None
        if needed == 0 or after >= len(blocks):
            if after < len(blocks) and _ends_with_decorator(region):
                after += 1
                continue
            return _assemble(previous.blocks, first, after, region_blocks, region), base
        after = min(len(blocks), after + needed)
    return None, None


def _comment_edited(previous: _Document, text: str, prefix: int, suffix: int) -> Blocks | None:
    """The new version when the edit changed only a comment of one block that parses
    (`comment_edit`): that block with the new text and its previous tree (the parse of the new
    text), every other block the previous one; None otherwise."""
    old, blocks, starts = previous.text, previous.blocks, previous.starts
    index = bisect.bisect_right(starts, old.rfind("\n", 0, prefix) + 1) - 1
    block = blocks[index]
    if block.tree is None or not same_tokens(old, text, prefix, suffix, starts[index],
                                             block.tree):
        return None
    end = starts[index + 1] + len(text) - len(old) if index + 1 < len(blocks) else len(text)
    kept = Block(block.start_line, text[starts[index]:end], block.tree)
    remember_parse(kept.text, (block.tree, None))
    return Blocks([*blocks[:index], kept, *blocks[index + 1:]],
                  Change(blocks.memo, index, index + 1, index + 1, 0, same_trees=True))


def _edit_base(previous: _Document, prefix: int) -> _Base | None:
    """The text and tree that the parse of the block the edit begins in may reuse for its
    statements above the edit (`class_reparse`): the block's previous version where it parsed,
    else, while an edit keeps it broken, its last version that parsed (`last_good`); with how
    many leading characters the new text keeps of it (`prefix`: those it keeps of the
    previous document's text)."""
    index = bisect.bisect_right(previous.starts, prefix) - 1
    start = previous.starts[index]
    if prefix <= start:
        return None
    block = previous.blocks[index]
    if block.tree is not None:
        return _Base(start, block.text, block.tree, prefix - start)
    good = previous.last_good
    if good is None or good.start != start:
        return None
    # The last good text keeps `good.shared` characters in the previous text, which keeps
    # `prefix - start` in the new one.
    return _Base(start, good.text, good.tree, min(good.shared, prefix - start))


def _blocks_needed_after_errors(region_blocks: list[Block]) -> int | None:
    """How many more blocks the region must reach past its end so that a syntax error in it
    cannot join pieces beyond it (0: none; None: split the whole text). A triple-quoted
    string left open anywhere in the region may close anywhere below it, not only the last
    broken block's (a section string of a script whose closing quotes became one quote leaves
    a one-quote string below it)."""
    if any(block.error is not None and "triple-quoted" in block.error[0]
           for block in region_blocks):
        return None
    for index in range(len(region_blocks) - 1, -1, -1):
        error = region_blocks[index].error
        if error is None:
            continue
        following = len(region_blocks) - 1 - index
        return max(0, _MAX_MERGE + 1 - following)
    return 0


def _ends_with_decorator(region: str) -> bool:
    """Whether the region's last piece is a decorator line, which takes the next piece along."""
    last = 0
    for match in _BLOCK_START.finditer(region):
        last = match.start() + 1
    return region.startswith("@", last)


def _assemble(
    blocks: Blocks, first: int, after: int, region_blocks: list[Block], region: str
) -> Blocks:
    """The new version's blocks: the previous ones with `blocks[first:after]` replaced by the
    region's. The region's blocks at either end whose text did not change (the margins, and
    the unchanged blocks of a wide region) stay out of the change: the previous version's
    objects (moved by the change in line count where below it), like every block outside the
    region, so the changed span is the blocks the edit changed."""
    start_line = blocks[first].start_line
    after = min(after, len(blocks))  # the margin may reach past the last block
    placed = [
        Block(block.start_line + start_line - 1, block.text, block.tree, block.error)
        for block in region_blocks
    ]
    line_delta = 0
    if after < len(blocks):
        line_delta = start_line + region.count("\n") - blocks[after].start_line
    elif placed:
        line_delta = placed[-1].start_line - blocks[-1].start_line
    # The region's blocks that came back as they were (the margin, the blocks a syntax error
    # made it reach) stay the previous version's: the change spans the blocks that differ.
    while placed and first < after and _same_block(placed[0], blocks[first], 0):
        del placed[0]
        first += 1
    while placed and after > first and _same_block(placed[-1], blocks[after - 1], line_delta):
        del placed[-1]
        after -= 1
    if after == len(blocks):
        line_delta = 0
    result = blocks[:first] + placed
    if after < len(blocks):
        if line_delta:
            result.extend(Block(block.start_line + line_delta, block.text, block.tree, block.error)
                          for block in blocks[after:])
        else:
            result.extend(blocks[after:])
    return Blocks(result, Change(blocks.memo, first, after, first + len(placed), line_delta))


def _same_block(new: Block, old: Block, line_delta: int) -> bool:
    """Whether a block of the new split is `old` moved `line_delta` lines (same text and
    error; its tree is the parse of that text, so the old one serves)."""
    return (new.start_line == old.start_line + line_delta and new.text == old.text
            and new.error == old.error)


__all__ = ["common_prefix", "common_suffix", "document_blocks", "forget_document", "held_blocks",
           "retire_pending", "retiring_later"]
