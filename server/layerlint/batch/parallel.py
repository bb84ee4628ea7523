"""Run one function over many items in worker processes, results in the items' order.

Workers are forked where the platform allows: they inherit the imported analysis (nothing is
imported twice) and the items (a task is a range of them, not their pickled texts). They take
contiguous chunks of the sorted file list, so files of one package, which share base classes,
mostly land in one worker and its in-process caches. The last chunks shrink (`chunk_ranges`),
so that the workers finish together (with equal chunks of 1/16 of the list, one worker sat
idle for most of the last one).
"""

from __future__ import annotations

import atexit
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def ordered_map(
    function: Callable[[Item], Result], items: Sequence[Item], jobs: int
) -> Iterator[Result]:
    """`map(function, items)`, spread over `jobs` processes when that helps."""
    jobs = min(jobs, len(items))
    if jobs <= 1:
        yield from map(function, items)
        return
    import multiprocessing  # here: a run with nothing to analyse starts no worker

    global _forked
    ranges = chunk_ranges(len(items), jobs)
    if "fork" not in multiprocessing.get_all_start_methods():
        chunks = [(function, items[start:end]) for start, end in ranges]
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for results in pool.imap(_mapped, chunks):
                yield from results
        return
    # Forked workers inherit the items: a task is a range of them, not their pickled texts
    # (under load, feeding megabytes of text through the pool's pipe kept workers waiting).
    previous, _forked = _forked, (function, items)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for results in pool.imap(_mapped_range, ranges):
                yield from results
    finally:
        _forked = previous


_SMALLEST_CHUNK = 4


def chunk_ranges(count: int, jobs: int) -> list[tuple[int, int]]:
    """Contiguous (start, end) ranges covering `range(count)` in order: 1/8 of each worker's
    share, until half a worker's share of what is left is smaller; then that (at least
    `_SMALLEST_CHUNK` items, or 1/8 of a share when that is fewer), so the last chunks are
    small."""
    ranges: list[tuple[int, int]] = []
    largest = max(1, count // (jobs * 8))
    start = 0
    while start < count:
        size = max(min(_SMALLEST_CHUNK, largest), min(largest, (count - start) // (jobs * 2)))
        end = min(count, start + size)
        ranges.append((start, end))
        start = end
    return ranges


def _mapped(chunk: tuple[Callable[[Item], Result], Sequence[Item]]) -> list[Result]:
    function, items = chunk
    return [function(item) for item in items]


_forked: tuple[Callable, Sequence] | None = None
"""The function and items of the running `ordered_map`, as its forked workers inherit them."""


def _mapped_range(bounds: tuple[int, int]) -> list:
    assert _forked is not None, "a forked worker of ordered_map"
    function, items = _forked
    return [function(item) for item in items[bounds[0]:bounds[1]]]


_tuned = 0
"""How many `few_collections` blocks are open (`settle` freezes only inside one)."""


@contextmanager
def few_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, tuned for a check: the syntax trees and caches a
    check builds live until it ends, and the default thresholds had the collector scan them
    again and again (parsing keras-hub's files and keeping the trees costs 2.3x the parse
    alone). What is imported is frozen out of the scans, so is what each checked file leaves
    alive (`settle`), and the youngest generation is collected after 50,000 allocations
    instead of 700. Workers forked inside the block inherit it; the settings are restored
    after it."""
    global _tuned
    _freeze_at_exit()
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    _tuned += 1
    try:
        yield
    finally:
        _tuned -= 1
        gc.set_threshold(*thresholds)
        gc.unfreeze()


_exit_hooked = False


def _freeze_at_exit() -> None:
    """Freeze everything still alive when the process ends (once registered, at the first
    check). Python's finalization runs full collections while it tears the modules down, and
    after a check in this process (`--jobs 1`, or one file) they scanned every tree and cache
    the check kept: on keras-hub's 816 files, 2.8 s of CPU after the report was written, more
    than half the analysis itself. Frozen objects are still freed by their reference counts;
    only cycles still alive at the end are left to the operating system."""
    global _exit_hooked
    if not _exit_hooked:
        atexit.register(gc.freeze)
        _exit_hooked = True


def settle() -> None:
    """After one file's check, inside `few_collections`: freeze what is alive out of the
    collector's scans. A file's trees and the caches holding them mostly live until the check
    ends, and without this each of them was scanned twice (once young, once in the middle
    generation), ~15% of a check's CPU time. What a file's own analysis leaves as cyclic garbage
    is still collected while that file is checked; garbage made later out of frozen objects
    stays until the process ends (on keras-hub's 1,198 files, ~100,000 objects, ~2 MB)."""
    if _tuned:
        gc.freeze()
