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
    assert not is_supported("keras", "ConvLSTM2D")
    assert output_shape("keras", "ConvLSTM2D", {}, (Shape.of(BATCH, 4, 8, 8, 3),)) == Shape.unknown()


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


def test_positionals_are_named_by_the_measured_parameter_order():
    info = catalog.lookup("keras", "Conv2D")
    config = config_from_call(info, call_of("layers.Conv2D(32, 3, 2, 'same', activation='relu')"))
    assert config == {"filters": 32, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"}
    torch_info = catalog.lookup("torch", "Conv2d")
    assert config_from_call(torch_info, call_of("nn.Conv2d(3, 16, 5)")) == {
        "in_channels": 3, "out_channels": 16, "kernel_size": 5,
    }


def test_aliases_use_the_canonical_parameter_order():
    info = catalog.lookup("keras", "MaxPool2D")
    assert config_from_call(info, call_of("MaxPool2D(3, 1)")) == {"pool_size": 3, "strides": 1}


def test_too_many_positionals_and_star_args_are_incomplete():
    info = catalog.lookup("keras", "Flatten")
    assert config_from_call(info, call_of("Flatten('channels_last', 1, 2, 3)"))[INCOMPLETE]
    assert config_from_call(catalog.lookup("keras", "Dense"), call_of("Dense(*sizes)"))[INCOMPLETE]


def test_wrapped_layers_are_read_as_keras_serializes_them():
    info = catalog.lookup("keras", "Bidirectional")
    config = config_from_call(info, call_of("layers.Bidirectional(layers.LSTM(8, return_sequences=True))"))
    assert config == {"layer": {"class_name": "LSTM", "config": {"units": 8, "return_sequences": True}}}
    result = output_shape("keras", "Bidirectional", config, (Shape.of(BATCH, 5, 3),))
    assert result == Shape.of(BATCH, 5, 16)


def test_wrapped_unknown_callable_is_unknown():
    info = catalog.lookup("keras", "TimeDistributed")
    config = config_from_call(info, call_of("TimeDistributed(make_head())"))
    assert config == {"layer": UNKNOWN}
    assert output_shape("keras", "TimeDistributed", config, (Shape.of(BATCH, 5, 8),)) == Shape.unknown()


def test_issue_examples():
    """The two models of issue 11: Linear(20, 64) fed 64 features; Conv2D on a rank-3 input."""
    linear = config_from_call(catalog.lookup("torch", "Linear"), call_of("nn.Linear(20, 64)"))
    first = output_shape("torch", "Linear", linear, (Shape.of(BATCH, 20),))
    assert first == Shape.of(BATCH, 64)
    assert isinstance(output_shape("torch", "Linear", linear, (first,)), ShapeError)
    conv_call = call_of("layers.Conv2D(32, 3, activation='relu')")
    conv = config_from_call(catalog.lookup("keras", "Conv2D"), conv_call)
    error = output_shape("keras", "Conv2D", conv, (Shape.of(BATCH, 28, 28),))
    assert error == ShapeError("expected min_ndim=4, found ndim=3", "keras")


def test_an_unknown_dimension_is_never_taken_for_keras_none():
    """`None` in the domain means "not known statically", not Keras' undefined dimension."""
    assert output_shape("keras", "BatchNormalization", {}, (Shape.of(BATCH, None),)) == Shape.of(BATCH, None)
    assert isinstance(output_shape("keras", "BatchNormalization", {}, (Shape.of(BATCH),)), ShapeError)
    assert output_shape("keras", "Reshape", {"target_shape": (-1, 3)}, (Shape.of(BATCH, None),)) == Shape.of(
        BATCH, None, 3
    )
