"""Summary statistics of edit-to-diagnostics latencies; a timed-out edit counts as infinitely slow.

Counting timeouts as infinite keeps a server that drops edits from looking fast: if more than
5% of its edits time out, its p95 is infinite and the table says so instead of hiding them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LatencySummary:
    samples: int
    timeouts: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_ms: float  # of the edits that got diagnostics; nan when none did


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: always a value that was observed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(latencies_ms: Sequence[float | None]) -> LatencySummary:
    """`None` marks an edit whose diagnostics never arrived within the timeout."""
    values = [math.inf if latency is None else latency for latency in latencies_ms]
    answered = [value for value in values if math.isfinite(value)]
    return LatencySummary(
        samples=len(values),
        timeouts=len(values) - len(answered),
        p50_ms=percentile(values, 50),
        p95_ms=percentile(values, 95),
        max_ms=max(values, default=math.nan),
        mean_ms=sum(answered) / len(answered) if answered else math.nan,
    )


def ratio(value: float, reference: float) -> float:
    """value / reference, nan when either is unknown (the reference server was not run)."""
    if not (math.isfinite(reference) and reference > 0) or math.isnan(value):
        return math.nan
    return value / reference
