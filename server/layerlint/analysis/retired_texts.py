"""How long results computed for a block text outlive the text's place in a document.

The analysis caches what it computes per block text (findings, Keras-target evidence, the
names a block mentions, definition scopes), bounded by a count of entries (4,096-8,192), not
by bytes. While typing, every keystroke in a class makes a new text of that class, so in a
long session the caches fill with the results of texts no document holds any more: ~30 KB
per text on the 10,000-line benchmark file, +15 MiB of the server's memory after 800
keystrokes, growing until the caches are full (~100 MiB). An undo needs only the last few.

`retire(texts)` (called by `document_memory` for the block texts that left a document) keeps
the last `KEPT` retired texts' results; every `FORGET_EVERY` texts that fall out of that window
are forgotten together, in one pass over the caches registered with `register` (so a
keystroke pays a set insertion, and one edit in `FORGET_EVERY` a scan of the caches' keys),
unless a document holds that text again. Forgetting an entry never changes a result: the text,
if it comes back, is analysed again.

That scan (1-2 ms on the 2,000-line benchmark file) would land in the edit-to-diagnostics time
of one keystroke in `FORGET_EVERY`. The server therefore makes it up after the diagnostics
are written (`forget_due`, from `lsp/memory_release.after_publish`); once it has, `retire`
scans only when `LATE_LIMIT` texts are waiting (a server that stopped publishing).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, MutableMapping

KEPT = 64
FORGET_EVERY = 32
LATE_LIMIT = 4 * FORGET_EVERY

_caches: list[MutableMapping] = []
_recent: OrderedDict[str, None] = OrderedDict()
_leaving: set[str] = set()
_made_up_later = [False]
"""Whether `forget_due` runs after each publish (a server): `retire` then leaves it the scan."""


def register(cache: MutableMapping) -> MutableMapping:
    """Forget `cache`'s entries of retired texts too: a key is the text, or a tuple whose first
    item is the text."""
    _caches.append(cache)
    return cache


def retire(texts: Iterable[str], held: Callable[[], set[str]]) -> None:
    """`texts` left a document; `held()` gives the texts the open documents hold now (asked
    only when entries are about to be forgotten)."""
    for text in texts:
        _recent[text] = None
        _recent.move_to_end(text)
        _leaving.discard(text)
    while len(_recent) > KEPT:
        _leaving.add(_recent.popitem(last=False)[0])
    if len(_leaving) >= (LATE_LIMIT if _made_up_later[0] else FORGET_EVERY):
        forget(_leaving - held())
        _leaving.clear()


def forget_due(held: Callable[[], set[str]]) -> None:
    """Between edits (after a publish): forget the texts that left the window, once
    `FORGET_EVERY` of them are waiting; from now on `retire` leaves this to the caller."""
    _made_up_later[0] = True
    if len(_leaving) >= FORGET_EVERY:
        forget(_leaving - held())
        _leaving.clear()


def forget(texts: set[str]) -> None:
    """Drop every registered cache's entries of `texts`."""
    if not texts:
        return
    for cache in _caches:
        stale = [key for key in cache
                 if (key if type(key) is str else key[0] if type(key) is tuple and key else None)
                 in texts]
        for key in stale:
            del cache[key]


__all__ = ["FORGET_EVERY", "KEPT", "LATE_LIMIT", "forget", "forget_due", "register", "retire"]
