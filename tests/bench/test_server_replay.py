"""The in-process replay of the benchmark's sessions times each edit up to its own publish."""

from __future__ import annotations

import pytest

from bench.server_replay import _p95, replay


@pytest.mark.parametrize("workload", ["typing", "document"])
def test_each_measured_edit_is_timed_to_its_publish(workload: str) -> None:
    times = replay(600, workload, edits=4)
    assert len(times["to_publish"]) == len(times["with_after_work"]) == 4
    for to_publish, whole in zip(times["to_publish"], times["with_after_work"], strict=True):
        assert 0 < to_publish <= whole


def test_p95_is_the_nearest_rank() -> None:
    assert _p95([float(value) for value in range(1, 61)]) == 57.0
