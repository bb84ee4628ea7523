"""A context in which every text is parsed anew, for tests that compare the incremental
path's results with fresh ones."""

from collections.abc import Iterator
from contextlib import contextmanager

from layerlint.analysis import source


@contextmanager
def fresh_parses() -> Iterator[None]:
    """Inside: every text is parsed anew (fresh trees: nothing remembered on them, `tree_memo`,
    is read); after: the parse cache the incremental path sees, as it was."""
    kept = dict(source._parse_cache)
    source._parse_cache.clear()
    try:
        yield
    finally:
        source._parse_cache.clear()
        source._parse_cache.update(kept)
