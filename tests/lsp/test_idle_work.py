"""An edit's housekeeping (the put-off collection, `memory_release.after_publish`) waits for
the editor's pause, merges across edits that come quickly, and never waits for more than
`MOST_POSTPONED` edits; without a running event loop it is done at once."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from layerlint.lsp import collection_pause, idle_work, memory_release


@pytest.fixture
def housekeeping(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The `publishes` argument of every `after_publish` call."""
    calls: list[int] = []
    monkeypatch.setattr(memory_release, "after_publish", calls.append)
    yield calls
    idle_work.settle()
    assert gc.isenabled()


def _edit() -> None:
    """What `publish.document_changed` does around an edit's publish."""
    with collection_pause.paused():
        idle_work.after_edit()


def test_without_an_event_loop_it_is_done_at_once(housekeeping: list[int]) -> None:
    _edit()
    assert housekeeping == [1]
    assert gc.isenabled()


def test_edits_in_quick_succession_share_one_run_at_the_pause(housekeeping: list[int]) -> None:
    async def typing() -> tuple[list[int], bool]:
        for _ in range(3):
            _edit()
            await asyncio.sleep(0)  # the next key comes before the pause ends
        waiting = (list(housekeeping), gc.isenabled())
        await asyncio.sleep(idle_work.IDLE_SECONDS * 3)
        return waiting

    waiting, collector_on = asyncio.run(typing())
    assert waiting == [] and not collector_on  # nothing done between the keys
    assert housekeeping == [3]
    assert gc.isenabled()


def test_an_endless_burst_runs_it_every_most_postponed_edits(housekeeping: list[int]) -> None:
    async def burst() -> bool:
        for _ in range(idle_work.MOST_POSTPONED + 1):
            _edit()
        return gc.isenabled()

    collector_on = asyncio.run(burst())
    assert housekeeping == [idle_work.MOST_POSTPONED]
    assert not collector_on  # the last edit's housekeeping waits again
    idle_work.settle()
    assert housekeeping == [idle_work.MOST_POSTPONED, 1]
