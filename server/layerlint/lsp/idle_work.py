"""Housekeeping an edit leaves for the editor's next pause.

After an edit's diagnostics are written the server still has work that no diagnostic waits
for: the garbage collector's pass put off during the analysis (`collection_pause`), forgetting
what is cached for block texts that left the documents and, now and then, returning free heap
pages (`memory_release.after_publish`). Done at once, it delays the next edit of a client that
sends it right after the diagnostics arrive (key repeat, a fast typist, a paste followed by
typing): 0.2-1.5 ms on the 2,000-line benchmark file, more when an older-generation pass is due.

So `after_edit()` runs it when no edit came for `IDLE_SECONDS`; a further edit in that time
puts it off again and merges it with its own (one cache scan, one collection, for them all).
During an endless burst it runs at once after `MOST_POSTPONED` edits in a row, which bounds
what waits. With no event loop running (a script driving the protocol by hand) it runs at
once, as before. Only the timing moves: the same work is done, and what it frees is never
read by an analysis (retired texts are not in any open document).
"""

from __future__ import annotations

import asyncio

from layerlint.lsp import collection_pause, memory_release

IDLE_SECONDS = 0.05
"""A pause longer than this between two edits is the editor's idle time (keys come every
80-300 ms when people type; a client sending edits back to back sends the next within ~1 ms)."""
MOST_POSTPONED = 32
"""Edits in a row whose housekeeping may wait; the next one runs it at once."""
_waiting: list[asyncio.TimerHandle | None] = [None]
_edits = [0]
"""Edits whose housekeeping waits."""


def after_edit() -> None:
    """Inside `collection_pause.paused()`, after an edit's diagnostics were written: the
    collector stays off and the housekeeping waits for the next pause."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    _edits[0] += 1
    waiting = _waiting[0]
    if waiting is not None:
        waiting.cancel()
        _waiting[0] = None
    if loop is None or _edits[0] >= MOST_POSTPONED:
        settle()
        return
    collection_pause.keep_paused()
    _waiting[0] = loop.call_later(IDLE_SECONDS, settle)


def settle() -> None:
    """Do the waiting housekeeping now (the timer's callback; also safe to call any time)."""
    waiting, _waiting[0] = _waiting[0], None
    if waiting is not None:
        waiting.cancel()
    edits, _edits[0] = _edits[0], 0
    collection_pause.resume()
    if edits:
        memory_release.after_publish(edits)


__all__ = ["IDLE_SECONDS", "MOST_POSTPONED", "after_edit", "settle"]
