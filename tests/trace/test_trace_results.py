"""The JSON form of a trace result survives a round trip, and failures carry their error."""

from __future__ import annotations

import json

from test_trace_table import sample_result

from layerlint.trace.results import TraceResult, failure


def test_json_round_trip():
    result = sample_result()
    assert TraceResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_failure_result():
    result = failure("timeout", "/p.py", "timeout", "did not finish", input_shape=(1, 2))
    assert (result.status, result.error.kind, result.input_shape) == ("timeout", "timeout", (1, 2))
    assert not result.ran and result.calls == ()
