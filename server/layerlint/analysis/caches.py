"""The analysis' module-level caches, in one place.

Every cache is an `OrderedDict` keyed by content (a block's text, the imports, the classes it
depends on), bounded at `CACHE_SIZE` entries with the oldest evicted first. They live for the
process: the language server keeps them between keystrokes, `layerlint check` between files.
`clear()` empties them all (tests that must analyse from scratch; a new session).
"""

from __future__ import annotations

from collections import OrderedDict

from layerlint.analysis import tree_memo
from layerlint.analysis.model_index import ClassModel
from layerlint.findings import Finding

CACHE_SIZE = 4096

block_cache: OrderedDict[tuple, list[tuple[tuple, list[Finding], dict[int, list[Finding]]]]] = (
    OrderedDict())
"""Per key, a block's entries (`class_reads.kept`): the classes its rules read with their
texts, its findings relative to its first line, and the copy shifted to where it sits now."""
module_cache: OrderedDict[tuple, list[tuple[tuple, list[Finding]]]] = OrderedDict()
"""Per key, the module-level program's entries (all module-level statements as one): the
classes its rules read with their texts, and its findings."""
class_cache: OrderedDict[tuple, ClassModel] = OrderedDict()
"""Class models, keyed by their block's text and what they depend on."""
candidate_cache: OrderedDict[tuple, tuple[frozenset[str], tuple[str, ...]]] = OrderedDict()
"""Per mentioned names: the local classes among them and the imported names that could be
classes of a workspace module."""
reference_cache: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()
"""Names a class (or a whole block) mentions."""
last_good: OrderedDict[tuple[str, str, int], tuple[int, list[Finding], list[Finding]]] = OrderedDict()
"""The last findings of a block that parsed (`last_good.py`), keyed by path, header, ordinal:
its first line, the findings without quick-fixes, and the list they were made from."""

_small_ids: dict[object, int] = {}
_next_id = [0]


def small_id(value: object) -> int:
    """A number that stands for `value` (hashable) in cache keys: a tuple's hash is not cached,
    and a key built per class or block would hash a long one again. Never reused for another
    value, even after the table is cleared."""
    found = _small_ids.get(value)
    if found is None:
        if len(_small_ids) > CACHE_SIZE:
            _small_ids.clear()
        found = _small_ids[value] = _next_id[0]
        _next_id[0] += 1
    return found


_ALL = (block_cache, module_cache, class_cache, candidate_cache, reference_cache, last_good)


def remember(cache: OrderedDict, key: tuple, value):
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return value


def clear() -> None:
    """Empty every cache of the analysis, so the next run computes everything anew."""
    for cache in _ALL:
        cache.clear()
    tree_memo.clear()  # what module-wide passes remember per tree
