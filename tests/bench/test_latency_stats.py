"""Latency summaries: nearest-rank percentiles, timeouts counted as infinitely slow."""

import math
import random

from bench.latency_stats import percentile, ratio, summarize


def test_percentile_is_an_observed_value_with_the_right_rank():
    values = [random.Random(seed).uniform(1, 50) for seed in range(37)]
    for percent in (50, 95, 100):
        result = percentile(values, percent)
        assert result in values
        at_or_below = sum(value <= result for value in values)
        below = sum(value < result for value in values)
        assert at_or_below >= percent / 100 * len(values) > below


def test_timeouts_push_p95_to_infinity_only_when_they_exceed_five_percent():
    answered = [float(value) for value in range(1, 40)]
    one_timeout = summarize([*answered, None])  # 1 of 40: 2.5%
    assert one_timeout.timeouts == 1
    assert math.isfinite(one_timeout.p95_ms) and math.isinf(one_timeout.max_ms)
    many = summarize([*answered, None, None, None])  # 3 of 42: 7%
    assert math.isinf(many.p95_ms)
    assert many.mean_ms == sum(answered) / len(answered)


def test_ratio_is_unknown_without_a_usable_reference():
    assert ratio(3.0, 1.5) == 2.0
    assert math.isnan(ratio(3.0, math.nan))
    assert math.isnan(ratio(3.0, 0.0))
    assert math.isinf(ratio(math.inf, 2.0))
