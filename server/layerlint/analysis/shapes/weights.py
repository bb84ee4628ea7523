"""Whether weights handed to a Keras layer (`Embedding(..., weights=[matrix])`, or
`layer.set_weights([...])` after it is built) fit the weights the layer creates.

Keras checks each array against the variable it replaces and raises
`Layer embedding weight shape (10, 4) is not compatible with provided weight shape (5, 4).`;
Keras 3 accepts `weights=` only on Embedding. Checked against the weight records in
`catalog/shape_records/{keras,tf_keras}.json`.
"""

from __future__ import annotations

from layerlint.analysis.shapes.config_values import LayerConfig, bool_value, int_tuple, int_value, value
from layerlint.analysis.shapes.domain import Shape, ShapeError, same_dim

_CONVOLUTION_RANKS = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3}


def expected_weight_shapes(
    layer: str, config: LayerConfig, input_shape: Shape
) -> tuple[Shape, ...] | None:
    """The shapes of the layer's weights in `get_weights()` order, or None when not known."""
    if layer == "Embedding":
        return (Shape.of(int_value(config, "input_dim"), int_value(config, "output_dim")),)
    use_bias = bool_value(config, "use_bias", True)
    if use_bias is None:
        return None
    if layer == "Dense":
        units = int_value(config, "units")
        features = input_shape.dims[-1] if input_shape.dims else None
        return (Shape.of(features, units), *((Shape.of(units),) if use_bias else ()))
    rank = _CONVOLUTION_RANKS.get(layer)
    if rank is None:
        return None
    filters, groups = int_value(config, "filters"), int_value(config, "groups", 1)
    kernel = int_tuple(value(config, "kernel_size"), rank)
    if kernel is None or groups is None:
        return None
    first = value(config, "data_format", "channels_last") == "channels_first"
    channels = None
    if input_shape.dims is not None and len(input_shape.dims) == rank + 2:
        channels = input_shape.dims[1] if first else input_shape.dims[-1]
    per_group = channels // groups if isinstance(channels, int) and channels % groups == 0 else None
    return (Shape.of(*kernel, per_group, filters), *((Shape.of(filters),) if use_bias else ()))


def weights_error(
    framework: str,
    layer: str,
    config: LayerConfig,
    input_shape: Shape,
    weights: tuple[Shape, ...],
    via: str = "constructor",
) -> ShapeError | None:
    """The error Keras raises for `weights` (via "constructor" or "set_weights"), or None when
    they fit or nothing certain is known."""
    if framework == "keras" and via == "constructor" and layer != "Embedding":
        return ShapeError(f"Unrecognized keyword arguments passed to {layer}", framework)
    expected = expected_weight_shapes(layer, config, input_shape)
    if expected is None or len(expected) != len(weights):
        return None
    for wanted, given in zip(expected, weights):
        if wanted.dims is None or given.dims is None:
            continue
        if len(wanted.dims) != len(given.dims) or any(
            same_dim(a, b) is False for a, b in zip(wanted.dims, given.dims)
        ):
            if not wanted.fully_known:
                return None
            return ShapeError(
                f"weight shape {wanted.display()} is not compatible with provided weight shape "
                f"{given.display()}",
                framework,
            )
    return None
