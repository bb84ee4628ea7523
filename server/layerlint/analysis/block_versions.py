"""Versions of a document's blocks, and the module-wide passes' per-block values carried
from one version to the next.

`document_state` returns a document's blocks as `Blocks`: a list that also carries what the
module-wide passes remember about this version (`memo`) and which span of blocks differs from
the previous version (`change`). A pass asks `spliced` for its per-block values: the next
version carries them over outside the changed span, so the pass reads only the blocks that
changed (its combine step may still visit every value, at list speed). The values must depend
on their block alone (its text, tree and, through `moved`, its first line): what reads two
blocks belongs to the combine step. The link to the previous version's memo is cut when an
analysis of the version ends (`settled`): values of blocks that left the document may hold
their trees, which must not outlive the edit (`document_memory`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from layerlint.analysis import tree_memo
from layerlint.analysis.source import Block


@dataclass(frozen=True)
class Change:
    """How a version's blocks differ from the previous version's: the previous blocks
    `[first:old_end]` became `blocks[first:new_end]`; the blocks before are the same objects,
    those after have the same texts and trees, moved down by `line_delta` lines. `previous`:
    the previous version's memo (not its blocks, whose retired trees must not stay alive)."""

    previous: dict[str, Any]
    first: int
    old_end: int
    new_end: int
    line_delta: int
    same_trees: bool = False
    """The changed blocks keep the previous blocks' trees: the edit changed only a comment
    (`comment_edit`), so the span is one block, on the same lines, with a new text."""
    since_parsed: Change | None = None
    """Where the span is one block that parses again after versions in which it alone changed
    and did not parse (a class being typed): the change from the last version in which it
    parsed (that version's memo, the lines moved since). A pass whose patch needs the class
    names to stay as they were (the module context, the save evidence) patches that version's
    result: the names are its names again."""


class Blocks(list):
    """One version of a document's blocks (a list of `Block`), with the passes' memo of this
    version and its change from the previous one (None: no previous version to carry from)."""

    __slots__ = ("change", "memo")

    def __init__(self, blocks: list[Block], change: Change | None = None) -> None:
        super().__init__(blocks)
        self.memo: dict[str, Any] = {"": tree_memo.generation()}
        self.change = change


_Value = TypeVar("_Value")


def spliced(blocks: list[Block], name: str, part: Callable[[Block], _Value],
            moved: Callable[[_Value, Block], _Value] | None = None,
            comment_blind: bool = False) -> list[_Value]:
    """`[part(block) for block in blocks]`, remembered in the version's memo under `name`,
    and carried from the previous version's list outside its changed span (`moved(value,
    block)` for each true value below the span when the edit changed their lines, `block`
    being the moved block; None: values do not depend on lines). A plain list (no document)
    is read whole. `comment_blind`: a value depends on the block's tree and lines, and on its
    text at most through the words `comment_edit` refuses in a changed comment; carried
    whole across an edit that kept the trees (`Change.same_trees`)."""
    memo = getattr(blocks, "memo", None)
    if memo is None:
        return [part(block) for block in blocks]
    generation = tree_memo.generation()
    if memo[""] != generation:  # the caches were cleared: nothing remembered is read
        memo.clear()
        memo[""] = generation
    values = memo.get(name)
    if values is not None:
        return values
    change = blocks.change  # type: ignore[attr-defined]
    carried = None
    if change is not None and change.previous.get("") == generation:
        carried = change.previous.get(name)
    if carried is None:
        values = [part(block) for block in blocks]
    elif change.same_trees and comment_blind:
        values = list(carried)
    else:
        below = carried[change.old_end:]
        if change.line_delta and moved is not None:
            below = [moved(value, block) if value else value
                     for value, block in zip(below, blocks[change.new_end:])]
        values = carried[:change.first]
        values.extend(part(block) for block in blocks[change.first:change.new_end])
        values.extend(below)
    memo[name] = values
    return values


def since_parsed(blocks: list[Block]) -> Change | None:
    """The version's `Change.since_parsed`, where the version it links to was remembered with
    the caches as they are (emptied since: None, as `spliced` reads no older value)."""
    change = getattr(blocks, "change", None)
    since = change.since_parsed if change is not None else None
    if since is None or since.previous.get("") != tree_memo.generation():
        return None
    return since


def settled(blocks: list[Block]) -> None:
    """The passes are done with this version: let the previous version's memo go."""
    if getattr(blocks, "change", None) is not None:
        blocks.change = None  # type: ignore[attr-defined]


__all__ = ["Blocks", "Change", "settled", "since_parsed", "spliced"]
