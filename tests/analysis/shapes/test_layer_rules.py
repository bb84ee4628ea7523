"""The layer-rule entry point: reading constructor calls, dispatch, and a few hand-checked cases
(the measured records check every rule in `test_layer_rules_records.py`)."""

import ast

from layerlint.analysis import catalog
from layerlint.analysis.shapes.domain import BATCH, UNKNOWN, Shape, ShapeError
from layerlint.analysis.shapes.layer_rules import (
    INCOMPLETE,
    config_from_call,
    is_supported,
    output_shape,
)


def call_of(source: str) -> ast.Call:
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


def test_keywords_and_non_literals():
    info = catalog.lookup("keras", "Conv2D")
    config = config_from_call(info, call_of("Conv2D(filters=n, kernel_size=(3, 3), padding='same')"))
    assert config == {"filters": UNKNOWN, "kernel_size": (3, 3), "padding": "same"}


def test_double_star_kwargs_make_the_config_incomplete():
    info = catalog.lookup("keras", "Dense")
    config = config_from_call(info, call_of("Dense(**options)"))
    assert config[INCOMPLETE] is True
    assert output_shape("keras", "Dense", config, (Shape.of(BATCH, 4),)) == Shape.unknown()


def test_unsupported_layer_is_unknown():
    assert not is_supported("keras", "MultiHeadAttention")
    assert output_shape("keras", "MultiHeadAttention", {}, (Shape.of(BATCH, 4, 8),)) == Shape.unknown()


def test_conv2d_on_rank_3_input_is_the_keras_error():
    result = output_shape("keras", "Conv2D", {"filters": 32, "kernel_size": 3}, (Shape.of(BATCH, 28, 28),))
    assert result == ShapeError("expected min_ndim=4, found ndim=3", "keras")


def test_conv2d_output():
    config = {"filters": 6, "kernel_size": 2}
    assert output_shape("keras", "Conv2D", config, (Shape.of(BATCH, 30, 30, 3),)) == Shape.of(
        BATCH, 29, 29, 6
    )


def test_unknown_filters_give_an_unknown_channel_dim():
    config = {"filters": UNKNOWN, "kernel_size": 3}
    assert output_shape("keras", "Conv2D", config, (Shape.of(BATCH, 8, 8, 3),)) == Shape.of(
        BATCH, 6, 6, None
    )


def test_torch_linear_mismatch():
    config = {"in_features": 20, "out_features": 64}
    result = output_shape("torch", "Linear", config, (Shape.of(BATCH, 64),))
    assert isinstance(result, ShapeError)
    assert "mat1 and mat2 shapes cannot be multiplied" in result.message
    assert output_shape("torch", "Linear", config, (Shape.of(BATCH, 20),)) == Shape.of(BATCH, 64)
