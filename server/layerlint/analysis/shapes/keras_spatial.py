"""Keras rules for layers over spatial axes: convolutions (plain, transposed, depthwise,
separable), pooling and global pooling, upsampling, zero padding and cropping."""

from __future__ import annotations

from layerlint.analysis.shapes import conv_arithmetic
from layerlint.analysis.shapes.config_values import (
    LayerConfig,
    bool_value,
    int_tuple,
    int_value,
    is_int,
    positive_tuple,
    str_value,
    value,
)
from layerlint.analysis.shapes.domain import Dim, Result, Shape, ShapeError
from layerlint.analysis.shapes.keras_common import (
    Rule,
    channels_first,
    join_channels,
    negative_output,
    rank_error,
    split_channels,
    unknown_like,
)


def _window_arguments(
    config: LayerConfig, rank: int, window: str, stride_default: object
) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None, str | None]:
    kernel = positive_tuple(value(config, window, 2 if window == "pool_size" else None), rank)
    written = value(config, "strides", stride_default)
    strides = kernel if written is None and window == "pool_size" else positive_tuple(written, rank)
    padding = str_value(config, "padding", "valid")
    return kernel, strides, padding.lower() if padding else None


def convolution(rank: int, kind: str = "plain") -> Rule:
    """Conv{rank}D (`plain`), Conv{rank}DTranspose (`transpose`), DepthwiseConv{rank}D
    (`depthwise`) and SeparableConv{rank}D (`separable`)."""

    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, min_ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        if x.rank != rank + 2:
            return Shape.unknown()
        first = channels_first(config)
        kernel, strides, padding = _window_arguments(config, rank, "kernel_size", 1)
        dilation = positive_tuple(value(config, "dilation_rate", 1), rank)
        if first is None or kernel is None or strides is None or dilation is None or padding is None:
            return unknown_like(x)
        spatial, channels = split_channels(x, first)
        if kind == "depthwise":
            multiplier = int_value(config, "depth_multiplier", 1)
            out_channels = channels * multiplier if is_int(channels) and multiplier else None
        else:
            out_channels = int_value(config, "filters")
        lengths: list[Dim] = []
        if kind == "transpose":
            output_padding = value(config, "output_padding", None)
            paddings = (None,) * rank if output_padding is None else int_tuple(output_padding, rank)
            if paddings is None:
                return unknown_like(x)
            for size, k, s, d, p in zip(spatial, kernel, strides, dilation, paddings):
                lengths.append(conv_arithmetic.keras_deconv_length(size, k, s, padding, p, d))
            return join_channels(x.dims[0], lengths, out_channels, first)
        for size, k, s, d in zip(spatial, kernel, strides, dilation):
            length = conv_arithmetic.keras_conv_length(size, k, s, padding, d)
            if length is not None and length <= 0:
                return negative_output(framework, size, d * (k - 1) + 1, dilated=max(dilation) > 1)
            lengths.append(length)
        return join_channels(x.dims[0], lengths, out_channels, first)

    return rule


def pooling(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        first = channels_first(config)
        pool, strides, padding = _window_arguments(config, rank, "pool_size", None)
        if first is None or pool is None or strides is None or padding is None:
            return unknown_like(x)
        spatial, channels = split_channels(x, first)
        lengths: list[Dim] = []
        for size, k, s in zip(spatial, pool, strides):
            length = conv_arithmetic.keras_pool_length(size, k, s, padding)
            if length is not None and length <= 0:
                return negative_output(framework, size, k)
            lengths.append(length)
        return join_channels(x.dims[0], lengths, channels, first)

    return rule


def global_pooling(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        first = channels_first(config)
        keepdims = bool_value(config, "keepdims", False)
        if first is None or keepdims is None:
            return unknown_like(x) if keepdims else Shape.unknown()
        _, channels = split_channels(x, first)
        if keepdims:
            return join_channels(x.dims[0], (1,) * rank, channels, first)
        return Shape((x.dims[0], channels))

    return rule


def _pairs(found: object, rank: int) -> tuple[tuple[int, int], ...] | None:
    """Padding/cropping as ((before, after), ...) per spatial axis: `1`, `(1, 2)` per axis for
    rank > 1 or as before/after for rank 1, or explicit pairs."""
    if is_int(found):
        return ((found, found),) * rank
    if not isinstance(found, (tuple, list)):
        return None
    if rank == 1 and len(found) == 2 and all(map(is_int, found)):
        return ((found[0], found[1]),)
    if len(found) != rank:
        return None
    pairs = []
    for item in found:
        if is_int(item):
            pairs.append((item, item))
        elif isinstance(item, (tuple, list)) and len(item) == 2 and all(map(is_int, item)):
            pairs.append((item[0], item[1]))
        else:
            return None
    return tuple(pairs)


def upsampling(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        if framework == "keras" or rank < 3:
            error = rank_error(framework, x, ndim=rank + 2)
            if error:
                return error
        if x.dims is None or x.rank is None or x.rank < rank + 1:
            return Shape.unknown()
        first = channels_first(config) if rank > 1 else False
        sizes = int_tuple(value(config, "size", 2), rank)
        sizes = sizes if sizes is not None and min(sizes) >= 0 else None
        if first is None or sizes is None:
            return unknown_like(x)
        # tf-keras' UpSampling3D has no rank check: it repeats axes 1-3 of whatever it gets.
        start = 2 if first else 1
        dims = list(x.dims)
        for offset, size in enumerate(sizes):
            if start + offset < len(dims):
                dim = dims[start + offset]
                dims[start + offset] = dim * size if is_int(dim) else None
        return Shape(tuple(dims))

    return rule


def zero_padding(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        first = channels_first(config) if rank > 1 else False
        pairs = _pairs(value(config, "padding", 1), rank)
        if first is None or pairs is None:
            return unknown_like(x)
        spatial, channels = split_channels(x, first)
        lengths = [size + a + b if is_int(size) else None for size, (a, b) in zip(spatial, pairs)]
        return join_channels(x.dims[0], lengths, channels, first)

    return rule


_CROPPING_ERRORS = {
    ("keras", 1): "`cropping` parameter of `Cropping1D` layer must be smaller than the input length",
    ("keras", 2): "Values in `cropping` argument should be smaller than the corresponding spatial",
    ("keras", 3): "Values in `cropping` argument should be smaller than the corresponding spatial",
    ("tf_keras", 1): "cropping parameter of Cropping layer must be greater than the input shape",
    ("tf_keras", 2): "Argument `cropping` must be greater than the input shape",
}


def cropping(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, ndim=rank + 2)
        if error or x.dims is None:
            return error or Shape.unknown()
        first = channels_first(config) if rank > 1 else False
        pairs = _pairs(value(config, "cropping", 0 if rank == 2 else 1), rank)
        if first is None or pairs is None:
            return unknown_like(x)
        spatial, channels = split_channels(x, first)
        lengths: list[Dim] = []
        for size, (a, b) in zip(spatial, pairs):
            if not is_int(size):
                lengths.append(None)
                continue
            length = size - a - b
            if length <= 0:
                message = _CROPPING_ERRORS.get((framework, rank))
                if message is None:  # tf-keras' Cropping3D slices to an empty axis instead
                    length = max(length, 0)
                else:
                    return ShapeError(message, framework)
            lengths.append(length)
        return join_channels(x.dims[0], lengths, channels, first)

    return rule


RULES: dict[str, Rule] = {}
for _rank in (1, 2, 3):
    RULES[f"Conv{_rank}D"] = convolution(_rank)
    RULES[f"Conv{_rank}DTranspose"] = convolution(_rank, "transpose")
    RULES[f"MaxPooling{_rank}D"] = pooling(_rank)
    RULES[f"AveragePooling{_rank}D"] = pooling(_rank)
    RULES[f"GlobalMaxPooling{_rank}D"] = global_pooling(_rank)
    RULES[f"GlobalAveragePooling{_rank}D"] = global_pooling(_rank)
    RULES[f"UpSampling{_rank}D"] = upsampling(_rank)
    RULES[f"ZeroPadding{_rank}D"] = zero_padding(_rank)
    RULES[f"Cropping{_rank}D"] = cropping(_rank)
for _rank in (1, 2):
    RULES[f"DepthwiseConv{_rank}D"] = convolution(_rank, "depthwise")
    RULES[f"SeparableConv{_rank}D"] = convolution(_rank, "separable")
