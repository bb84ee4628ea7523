"""Every op rule agrees with the op records measured under the real frameworks.

The records (`"op_records"` in `catalog/shape_records/<framework>.json`) hold calls of
`keras.ops` (in keras.json), `tf` (in tf_keras.json) and `torch` functions on tensors of known
shape, and what the framework did: the output shapes, or the message it raised.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from layerlint.analysis.shapes.domain import BATCH, Shape, ShapeError
from layerlint.analysis.shapes.op_rules import op_shape

FRAMEWORKS = ("keras", "tf_keras", "torch")


def load(framework: str) -> list[dict]:
    path = resources.files("layerlint.analysis.catalog").joinpath("shape_records", f"{framework}.json")
    return json.loads(path.read_text(encoding="utf-8"))["op_records"]


def argument(value: object) -> object:
    """A recorded argument as the static analysis passes it: tensors as Shape, the batch as BATCH."""
    if isinstance(value, dict) and "shape" in value:
        return Shape(tuple(BATCH if dim == "B" else dim for dim in value["shape"]))
    if (isinstance(value, dict) and value.get("dim") == "batch") or value == "B":
        return BATCH
    if isinstance(value, list):
        return [argument(item) for item in value]
    return value


def expected(dims: list) -> Shape:
    return Shape(tuple(BATCH if dim == "batch" else dim for dim in dims))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_op_rules_agree_with_records(framework):
    records = load(framework)
    assert len(records) >= 25
    problems = []
    for record in records:
        args = tuple(argument(item) for item in record["args"])
        kwargs = {key: argument(item) for key, item in record["kwargs"].items()}
        result = op_shape(framework, record["op"], args, kwargs)
        if "error" in record:
            agrees = isinstance(result, ShapeError) and result.message in record["error"]
        elif "outputs" in record:
            agrees = result == tuple(expected(dims) for dims in record["outputs"])
        else:
            agrees = result == expected(record["output"])
        if not agrees:
            outcome = record.get("error", record.get("output", record.get("outputs")))
            problems.append(f"{record['op']}{record['args']} {record['kwargs']}: framework {outcome!r}, "
                            f"rule {result!r}")
    assert not problems, f"{len(problems)} of {len(records)} op records disagree:\n" + "\n".join(problems)
