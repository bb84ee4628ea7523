"""The check's collector settings (`batch.parallel`): what a checked file leaves alive is frozen
out of the collector's scans inside `few_collections` and only there, and everything is handed
back to the collector when the block ends."""

import gc

from layerlint.batch.parallel import few_collections, ordered_map, settle


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
