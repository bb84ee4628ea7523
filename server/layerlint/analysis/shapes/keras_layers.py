"""Shape rules of Keras layers (Keras 3 and tf-keras: `framework` picks the message wording).

Inputs carry the batch dimension first, channels last unless `data_format="channels_first"`.
Each rule returns the output shape, a `ShapeError` phrased like the framework's own message when
the call certainly raises, or `Shape.unknown()` when an argument it needs is not known. The
behaviour of each rule is checked against `catalog/shape_records/{keras,tf_keras}.json`,
measured by calling the layers on symbolic inputs (`keras.Input`), as Sequential and functional
models do.
"""

from __future__ import annotations

from collections.abc import Callable

from layerlint.analysis.shapes import conv_arithmetic
from layerlint.analysis.shapes.config_values import (
    LayerConfig,
    int_tuple,
    int_value,
    str_value,
    value,
)
from layerlint.analysis.shapes.domain import Dim, Result, Shape, ShapeError

Rule = Callable[[str, LayerConfig, tuple[Shape, ...]], Result]


def rank_error(framework: str, shape: Shape, ndim: int | None = None, min_ndim: int | None = None):
    """Keras' InputSpec check: `expected ndim=3, found ndim=4` / `expected min_ndim=4, ...`."""
    if shape.rank is None:
        return None
    if ndim is not None and shape.rank != ndim:
        return ShapeError(f"expected ndim={ndim}, found ndim={shape.rank}", framework)
    if min_ndim is not None and shape.rank < min_ndim:
        return ShapeError(f"expected min_ndim={min_ndim}, found ndim={shape.rank}", framework)
    return None


def _channels_first(config: LayerConfig) -> bool | None:
    data_format = str_value(config, "data_format", "channels_last")
    if data_format is None:
        return None
    return data_format == "channels_first"


def dense(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    error = rank_error(framework, x, min_ndim=2)
    if error or x.dims is None:
        return error or Shape.unknown()
    units = int_value(config, "units")
    return Shape((*x.dims[:-1], units))


def flatten(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    error = rank_error(framework, x, min_ndim=1)
    if error or x.dims is None:
        return error or Shape.unknown()
    rest = x.dims[1:]
    size: Dim = 1
    for dim in rest:
        size = size * dim if isinstance(size, int) and isinstance(dim, int) else None
    return Shape((x.dims[0], size))


def _conv(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, min_ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        if x.rank != rank + 2:
            return Shape.unknown()
        channels_first = _channels_first(config)
        kernel = int_tuple(value(config, "kernel_size"), rank)
        strides = int_tuple(value(config, "strides", 1), rank)
        dilation = int_tuple(value(config, "dilation_rate", 1), rank)
        padding = str_value(config, "padding", "valid")
        filters = int_value(config, "filters")
        if None in (channels_first, kernel, strides, dilation, padding):
            return Shape((x.dims[0], *(None,) * (rank + 1)))
        spatial = x.dims[2:] if channels_first else x.dims[1:-1]
        lengths = []
        for size, k, s, d in zip(spatial, kernel, strides, dilation, strict=True):
            length = conv_arithmetic.keras_conv_length(size, k, s, padding.lower(), d)
            if length is not None and length <= 0:
                return _negative_output(framework, size, d * (k - 1) + 1)
            lengths.append(length)
        if channels_first:
            return Shape((x.dims[0], filters, *lengths))
        return Shape((x.dims[0], *lengths, filters))

    return rule


def _negative_output(framework: str, size: Dim, window: int) -> ShapeError:
    if framework == "tf_keras":
        return ShapeError(
            f"Negative dimension size caused by subtracting {window} from {size}", framework
        )
    return ShapeError("Computed output size would be zero or negative", framework)


RULES: dict[str, Rule] = {
    "Dense": dense,
    "Flatten": flatten,
    "Conv1D": _conv(1),
    "Conv2D": _conv(2),
    "Conv3D": _conv(3),
}
