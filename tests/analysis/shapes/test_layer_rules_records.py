"""Every static layer rule agrees with every shape record measured under the real framework.

The records (`catalog/shape_records/<framework>.json`, written by
`scripts/generate_catalog.py --shape-records`) hold, per layer, constructor arguments, input
shapes, and what the framework did: the output shapes, or the error it raised. A rule must give
the same shapes, or a `ShapeError` whose message is part of the framework's message.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from layerlint.analysis import catalog
from layerlint.analysis.shapes import keras_layers, torch_layers
from layerlint.analysis.shapes.domain import BATCH, Shape, ShapeError
from layerlint.analysis.shapes.layer_rules import is_supported, output_shape
from layerlint.analysis.shapes.weights import weights_error

FRAMEWORKS = ("keras", "tf_keras", "torch")


def load(framework: str) -> dict:
    path = resources.files("layerlint.analysis.catalog").joinpath("shape_records", f"{framework}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def shape(dims: list) -> Shape:
    return Shape(tuple(BATCH if dim == "batch" else dim for dim in dims))


def by_layer() -> list[tuple[str, str, list[dict]]]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for framework in FRAMEWORKS:
        for record in load(framework)["records"]:
            if "weights" in record:
                continue
            groups.setdefault((framework, record["layer"]), []).append(record)
    return [(framework, layer, records) for (framework, layer), records in groups.items()]


def disagreement(framework: str, record: dict) -> str | None:
    """None when the rule agrees with the record, else what differs."""
    inputs = tuple(shape(dims) for dims in record["inputs"])
    result = output_shape(framework, record["layer"], record["config"], inputs)
    if "error" in record:
        if isinstance(result, ShapeError) and result.message in record["error"]:
            return None
        return f"framework raised {record['error']!r}; rule gave {result!r}"
    if "outputs" in record:
        expected: object = tuple(shape(dims) for dims in record["outputs"])
    else:
        expected = shape(record["output"])
    return None if result == expected else f"framework gave {expected}; rule gave {result!r}"


@pytest.mark.parametrize(
    ("framework", "layer", "records"),
    by_layer(),
    ids=[f"{framework}-{layer}" for framework, layer, _ in by_layer()],
)
def test_rule_agrees_with_records(framework, layer, records):
    assert is_supported(framework, layer), f"{layer} has records but no {framework} rule"
    problems = []
    for record in records:
        problem = disagreement(framework, record)
        if problem:
            problems.append(f"{record['config']} on {record['inputs']}: {problem}")
    assert not problems, f"{len(problems)} of {len(records)} records disagree:\n" + "\n".join(problems)


@pytest.mark.parametrize("framework", ["keras", "tf_keras"])
def test_weights_check_agrees_with_records(framework):
    records = [record for record in load(framework)["records"] if "weights" in record]
    assert records
    problems = []
    for record in records:
        given = tuple(shape(dims) for dims in record["weights"])
        error = weights_error(
            framework, record["layer"], record["config"], shape(record["inputs"][0]), given, record["via"]
        )
        if "error" in record:
            agrees = error is not None and error.message in record["error"]
        else:
            agrees = error is None
        if not agrees:
            problems.append(f"{record['layer']} {record['weights']} via {record['via']}: {error}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_rule_has_records(framework):
    recorded = {record["layer"] for record in load(framework)["records"]}
    rules = keras_layers.RULES if framework != "torch" else torch_layers.RULES
    in_framework = {name for name in rules if catalog.lookup(framework, name) is not None}
    assert sorted(in_framework - recorded) == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_records_cover_errors_and_outputs(framework):
    records = load(framework)["records"]
    errors = [record for record in records if "error" in record]
    assert 100 <= len(records) <= 1000
    assert 0 < len(errors) < len(records)
