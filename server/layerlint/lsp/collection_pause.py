"""Python's cyclic garbage collector held off while an edit's diagnostics are computed and sent.

An analysis allocates tens of thousands of objects (a parsed class, its models, the rules'
walks), so the collector's automatic passes fire in the middle of it: on the 2,000-line
benchmark file a young-generation pass every few keystrokes and an older one (1.5-4 ms, a full
one 14 ms) on one keystroke in twenty, which lands right in the 95th percentile of the
edit-to-diagnostics time. Inside `paused()` nothing is collected; the collector is switched
back on afterwards and makes up the pass at its next allocation, after the diagnostics were
written (pygls writes them to stdout before the handler returns), between keystrokes. Only
the timing moves: the same objects are collected, reference counting frees the rest as ever.

A pause that ends with an edit's diagnostics written can be stretched to the editor's next
pause (`keep_paused()` inside it, `resume()` later: `idle_work`), so that a keystroke sent at
once after the previous one's diagnostics (key repeat, a fast typist) does not pay the pass.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_ours = [False]
"""The collector is off because `paused()` switched it off."""
_kept = [False]
"""...and stays off after the pause until `resume()`."""


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block (nested uses and a collector already off are
    left as they are)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    _ours[0] = True
    try:
        yield
    finally:
        if not _kept[0]:
            _ours[0] = False
            gc.enable()


def keep_paused() -> None:
    """Inside `paused()`: leave the collector off when the pause ends, until `resume()`. Does
    nothing where the collector was off before the pause (someone else's)."""
    if _ours[0]:
        _kept[0] = True


def resume() -> None:
    """Switch the collector back on after `keep_paused()` (its put-off pass runs at the next
    allocation); nothing to do otherwise."""
    if _kept[0]:
        _kept[0] = _ours[0] = False
        gc.enable()


__all__ = ["keep_paused", "paused", "resume"]
