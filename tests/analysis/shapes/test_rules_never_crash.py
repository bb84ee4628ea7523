"""Shape rules answer for any input the analysis may hand them: odd or unknown arguments and
shapes give an unknown or an error result, never an exception (the server must not crash on
half-typed code such as `Conv2D(8, 0)` or `x.view(-1, 0)`)."""

from __future__ import annotations

import itertools
import json
from importlib import resources

import pytest

from layerlint.analysis.shapes import keras_layers, torch_layers
from layerlint.analysis.shapes.domain import BATCH, UNKNOWN, Shape, ShapeError, Symbol
from layerlint.analysis.shapes.layer_rules import output_shape
from layerlint.analysis.shapes.op_rules import op_shape
from layerlint.analysis.shapes.weights import weights_error

ODD_VALUES = (0, -1, -3, 1, None, True, "same", "bogus", UNKNOWN, (), (0, 0), (1, 2, 3, 4, 5), [[1]], 2.5)
ODD_SHAPES = (
    Shape.unknown(),
    Shape.of(),
    Shape.of(BATCH),
    Shape.of(None, None, None),
    Shape.of(BATCH, 0, 3),
    Shape.of(BATCH, 1, 1, 1),
    Shape.of(Symbol("n"), 4, None, 2),
    Shape.of(BATCH, 2, 3, 4, 5, 6),
)


def is_result(result: object) -> bool:
    if isinstance(result, tuple):
        return all(isinstance(item, Shape) for item in result)
    return isinstance(result, (Shape, ShapeError))


def recorded_keys(framework: str) -> dict[str, set[str]]:
    path = resources.files("layerlint.analysis.catalog").joinpath("shape_records", f"{framework}.json")
    keys: dict[str, set[str]] = {}
    for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
        keys.setdefault(record["layer"], set()).update(record["config"])
    return keys


@pytest.mark.parametrize("framework", ["keras", "tf_keras", "torch"])
def test_layer_rules_never_raise(framework):
    rules = torch_layers.RULES if framework == "torch" else keras_layers.RULES
    keys = recorded_keys(framework)
    for layer in rules:
        for key in sorted(keys.get(layer, set())):
            for odd, shape in itertools.product(ODD_VALUES, ODD_SHAPES):
                config = {name: 2 for name in keys[layer]} | {key: odd}
                for inputs in ((shape,), (shape, shape), (Shape.of(BATCH, 4), shape)):
                    try:
                        result = output_shape(framework, layer, config, inputs)
                    except Exception as exc:  # the point is to report any
                        pytest.fail(f"{layer}({config}) on {inputs} raised {exc!r}")
                    assert is_result(result), (layer, config, inputs, result)


OPS = (
    "keras.ops.reshape", "tf.reshape", "Tensor.view", "torch.transpose", "Tensor.permute",
    "keras.ops.transpose", "tf.concat", "torch.cat", "keras.ops.stack", "torch.matmul", "tf.matmul",
    "keras.ops.mean", "torch.max", "tf.reduce_sum", "torch.flatten", "keras.ops.squeeze",
    "torch.unsqueeze", "torch.add", "keras.ops.relu",
)


def test_op_rules_never_raise():
    for name, odd, shape in itertools.product(OPS, ODD_VALUES, ODD_SHAPES):
        for args in ((shape, odd), (shape, odd, odd), ([shape, shape], odd), (odd,), ()):
            for kwargs in ({}, {"axis": odd}, {"dim": odd, "keepdim": odd}, {"transpose_b": odd}):
                try:
                    result = op_shape("torch", name, args, kwargs)
                except Exception as exc:
                    pytest.fail(f"{name}{args} {kwargs} raised {exc!r}")
                assert is_result(result), (name, args, kwargs, result)


def test_weights_check_never_raises():
    layers = ("Embedding", "Dense", "Conv2D", "LSTM")
    for layer, odd, shape in itertools.product(layers, ODD_VALUES, ODD_SHAPES):
        config = {"input_dim": odd, "output_dim": 4, "units": odd, "filters": 2, "kernel_size": odd,
                  "groups": odd, "use_bias": odd}
        for weights in ((shape,), (shape, shape), ()):
            result = weights_error("tf_keras", layer, config, shape, weights, "set_weights")
            assert result is None or isinstance(result, ShapeError)
