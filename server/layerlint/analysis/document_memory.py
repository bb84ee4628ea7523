"""What the analysis lets go of when a document changes or closes.

A parse tree costs about sixteen times its text (a 10,000-line module: 0.4 MB of text, 19 MB
of `ast` nodes), and several caches hold trees: the parse cache (`source`, 8,192 texts), the
class models (`caches.class_cache`, whose `ClassModel.node` is the class's tree), the
remembered walks and node groupings (`walk`, `node_index`) and the shape inference's
per-definition memos (`shapes.infer`).
Each is bounded by a count of entries, not by bytes, so every version of an edited class that
parsed (a keystroke, a commented or pasted line) kept its whole tree until thousands of later
versions pushed it out: the server's memory grew with every edit. `retire_blocks` drops, after
each new version of a document, the trees of the block texts that left it; `forget_document`
drops everything kept for a closed document.

Both only drop cache entries: a text that comes back (an undo, the document opened again) is
parsed and modelled anew, with the same results. Findings stay cached (`caches.block_cache`,
keyed by text): they hold no trees, and an undo finds them; they and the other results cached
per block text are forgotten once the text is not among the last retired ones
(`retired_texts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from layerlint.analysis import (
    block_memo,
    caches,
    definition_names,
    keras_target,
    node_index,
    retired_texts,
    save_evidence,
    source,
    walk,
)
from layerlint.analysis.block_versions import Change
from layerlint.analysis.shapes import infer, module_shapes
from layerlint.analysis.source import Block

for _cache in (caches.block_cache, caches.reference_cache, keras_target._block_cache,
               definition_names._mentioned, block_memo._mentioned, save_evidence._scope_cache):
    retired_texts.register(_cache)  # results per block text: kept for the last retired texts


def retire_blocks(old: Sequence[Block], new: Sequence[Block], change: Change | None) -> None:
    """Forget the trees of `old` blocks whose text is in none of the `new` blocks, and every
    remembered walk and node grouping: they serve the rules within one analysis (an unchanged
    block's findings are cached by its text, so its walks are almost never asked for again),
    and kept for every block of a 10,000-line file they cost ~4 MiB. `change`: how `new`
    differs from `old` (`new.change` while the version's analysis runs), None when unknown."""
    kept = {block.text for block in new}
    gone = [block for block in old if block.text not in kept]
    if gone:
        # A block whose edit changed only a comment keeps its tree under its new text.
        held = {id(block.tree) for block in new[change.first:change.new_end]} if (
            change is not None and change.same_trees) else set()
        forget_blocks(gone, walks=False, held_trees=held)  # walks and groupings: just below
        retired_texts.retire([block.text for block in gone], lambda: kept | _held_texts())
    walk.clear()
    walk.keep_levels_within(_alive_ids(old, new, change))
    node_index.clear()


_ALIVE = "alive ids"
"""The key of a version's count of its trees and top-level statements (`block_versions`)."""


def _alive_ids(old: Sequence[Block], new: Sequence[Block],
               change: Change | None) -> dict[int, int]:
    """How many of the `new` blocks hold each tree and top-level statement, by id (what
    `walk.keep_levels_within` keeps): the `old` version's count updated across the changed span
    when `new` is its next version (`block_versions.Change`), so a keystroke counts the blocks
    it changed, not the document's. Kept in the new version's memo for the next one."""
    carried = change.previous.get(_ALIVE) if change is not None else None
    if change is None or carried is None:
        counts: dict[int, int] = {}
        _count(counts, new, 1)
    else:
        counts = dict(carried)
        _count(counts, old[change.first:change.old_end], -1)
        _count(counts, new[change.first:change.new_end], 1)
    memo = getattr(new, "memo", None)
    if memo is not None:
        memo[_ALIVE] = counts
    return counts


def _count(counts: dict[int, int], blocks: Sequence[Block], step: int) -> None:
    """Add `step` to the count of each block's tree and top-level statements."""
    for block in blocks:
        tree = block.tree
        if tree is None:
            continue
        for node in (tree, *tree.body):
            key = id(node)
            left = counts.get(key, 0) + step
            if left:
                counts[key] = left
            else:
                del counts[key]


def forget_document(path: str) -> None:
    """Everything kept between two versions of the document at `path` (it was closed)."""
    from layerlint.analysis import document_state  # it calls `retire_blocks`

    blocks = document_state.forget_document(path)
    if blocks:
        forget_blocks(blocks)
        retired_texts.retire([block.text for block in blocks], _held_texts)
    block_memo.forget(path)
    for key in [key for key in caches.last_good if key[0] == path]:
        del caches.last_good[key]


def forget_retired() -> None:
    """Between edits: forget what is cached for block texts that left the documents
    (`retired_texts.forget_due`)."""
    retired_texts.forget_due(_held_texts)


def _held_texts() -> set[str]:
    """The block texts of every document the analysis keeps now."""
    from layerlint.analysis import document_state

    return {block.text for blocks in document_state.held_blocks() for block in blocks}


def forget_blocks(blocks: Sequence[Block], walks: bool = True,
                  held_trees: AbstractSet[int] = frozenset()) -> None:
    """Drop the cached parses, class models, walks and shape memos of `blocks`' texts.
    `walks=False`: leave the remembered walks and node groupings (the caller clears them all),
    so the blocks' trees need not be walked. `held_trees`: ids of trees that a new block
    holds: what is kept by their nodes stays."""
    texts = {block.text for block in blocks}
    source.forget_parses(texts)
    stale = [key for key in caches.class_cache if key[0] in texts]
    for key in stale:
        del caches.class_cache[key]
    for block in blocks:
        if block.tree is not None and id(block.tree) not in held_trees:
            if walks:
                nodes = walk.nodes_of(block.tree)
                walk.forget(nodes)
                node_index.forget(nodes)
            infer.forget(block.tree.body)
            module_shapes.forget(block.tree.body)


__all__ = ["forget_blocks", "forget_document", "forget_retired", "retire_blocks"]
