"""Whether a module's text holds a word, from what its blocks remember.

The engine asks of every analysis whether the module names a mixed dtype policy and whether it
holds a suppression comment. Searching a 10,000-line text for a word costs about a millisecond
each time; the blocks concatenate to the text and no such word spans a line, so the answer is
whether any block holds it, remembered on each block's tree (`tree_memo`) and searched again
only in the blocks that changed (or do not parse).
"""

from __future__ import annotations

from layerlint.analysis import tree_memo
from layerlint.analysis.block_versions import spliced
from layerlint.analysis.source import Block


def mentions_any(blocks: list[Block], words: tuple[str, ...]) -> bool:
    """Whether the blocks' text holds one of `words` (none of which holds a line break).
    A document's blocks keep each block's answer per version (`block_versions.spliced`), so
    only the blocks an edit changed are asked again."""
    key = "words " + "\0".join(words)
    if getattr(blocks, "memo", None) is None:
        return any(_holds(block, key, words) for block in blocks)
    return True in spliced(blocks, key, lambda block: _holds(block, key, words))


def _holds(block: Block, key: str, words: tuple[str, ...]) -> bool:
    text = block.text
    if block.tree is None:
        return any(word in text for word in words)
    remembered = tree_memo.memo(block.tree)
    found = remembered.get(key)
    if found is None or found[0] != text:
        found = remembered[key] = (text, any(word in text for word in words))
    return found[1]


__all__ = ["mentions_any"]
