"""The check's collector settings (`batch.parallel`): what a checked file leaves alive is frozen
out of the collector's scans inside `few_collections` and only there, and everything is handed
back to the collector when the block ends."""

import gc
import multiprocessing

import pytest

from layerlint.batch import parallel
from layerlint.batch.parallel import chunk_ranges, few_collections, ordered_map, settle


class _Node:
    """A cyclic object, as a file's analysis leaves them."""

    def __init__(self) -> None:
        self.me = self


def test_settle_freezes_what_a_file_left_inside_the_block_only():
    kept = []
    with few_collections():
        frozen_at_start = gc.get_freeze_count()
        kept.extend(_Node() for _ in range(100))
        settle()
        assert gc.get_freeze_count() >= frozen_at_start + 100
        assert not any(kept[0] is obj for obj in gc.get_objects())  # no longer scanned
        thresholds_inside = gc.get_threshold()
    assert thresholds_inside[0] == 50_000
    assert gc.get_freeze_count() == 0  # unfrozen: the collector sees them again
    assert any(kept[0] is obj for obj in gc.get_objects())
    frozen = gc.get_freeze_count()
    settle()  # outside the block: nothing is frozen
    assert gc.get_freeze_count() == frozen


def test_garbage_of_the_current_file_is_still_collected():
    with few_collections():
        settle()
        _Node()  # unreachable cycle made after the last settle
        assert gc.collect(0) >= 1


def test_ordered_map_keeps_the_items_order_across_processes():
    items = list(range(40))
    assert list(ordered_map(abs, [-i for i in items], 3)) == items


def test_chunks_cover_the_items_in_order_and_shrink_at_the_end():
    for count, jobs in ((816, 2), (1198, 4), (40, 3), (5, 2), (1, 2), (0, 2)):
        ranges = chunk_ranges(count, jobs)
        assert [index for start, end in ranges for index in range(start, end)] == list(range(count))
        sizes = [end - start for start, end in ranges]
        assert sizes == sorted(sizes, reverse=True)
        assert all(size <= max(1, count // (jobs * 8)) for size in sizes)
    sizes = [end - start for start, end in chunk_ranges(816, 2)]
    assert sizes[0] == 51 and sizes[-2] <= 4  # packages stay together; the tail is fine-grained
    assert [end - start for start, end in chunk_ranges(5, 2)] == [1] * 5


def test_forked_workers_inherit_the_function_and_items_instead_of_receiving_them():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    unpicklable = [lambda index=index: index for index in range(30)]  # lambdas do not pickle
    assert list(ordered_map(lambda make: make() * 2, unpicklable, 2)) == [2 * i for i in range(30)]
    assert parallel._forked is None  # nothing left behind for a later map


def test_spawned_workers_receive_the_items(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    items = list(range(12))
    assert list(ordered_map(abs, [-i for i in items], 2)) == items


def test_a_process_that_ran_a_check_freezes_what_is_alive_at_exit(tmp_path):
    """Python's finalization would scan every tree the check kept (seconds on a large tree):
    the check has everything frozen by the time an earlier-registered exit hook runs."""
    import subprocess
    import sys

    (tmp_path / "model.py").write_text("import keras\n\n\nclass Block(keras.layers.Layer):\n"
                                       "    def call(self, x):\n        return x\n")
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from layerlint.cli import main\n"
        "main(['check', '--no-cache', '--jobs', '1', sys.argv[1]])\n"
        "print('frozen after the check:', gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, check=True)
    assert "frozen after the check: False" in done.stdout  # handed back while the process runs
    assert "frozen at exit: True" in done.stdout
