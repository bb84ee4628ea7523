"""Python's cyclic garbage collector held off while an edit's diagnostics are computed and sent.

An analysis allocates tens of thousands of objects (a parsed class, its models, the rules'
walks), so the collector's automatic passes fire in the middle of it: on the 2,000-line
benchmark file a young-generation pass every few keystrokes and an older one (1.5-4 ms, a full
one 14 ms) on one keystroke in twenty, which lands right in the 95th percentile of the
edit-to-diagnostics time. Inside `paused()` nothing is collected; the collector is switched
back on afterwards and makes up the pass at its next allocation, after the diagnostics were
written (pygls writes them to stdout before the handler returns), between keystrokes. Only
the timing moves: the same objects are collected, reference counting frees the rest as ever.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block (nested uses and a collector already off are
    left as they are)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


__all__ = ["paused"]
