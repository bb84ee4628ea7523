"""What Keras shape rules share: the InputSpec rank check with Keras' own wording, the data
format, and the message Keras 3 or tf-keras gives for an output size of zero or less."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from layerlint.analysis.shapes.config_values import LayerConfig, str_value
from layerlint.analysis.shapes.domain import Dim, Result, Shape, ShapeError

Rule = Callable[[str, LayerConfig, tuple[Shape, ...]], Result]


def rank_error(
    framework: str, shape: Shape, ndim: int | None = None, min_ndim: int | None = None
) -> ShapeError | None:
    """Keras' InputSpec check: `expected ndim=3, found ndim=4` / `expected min_ndim=4, ...`."""
    if shape.rank is None:
        return None
    if ndim is not None and shape.rank != ndim:
        return ShapeError(f"expected ndim={ndim}, found ndim={shape.rank}", framework)
    if min_ndim is not None and shape.rank < min_ndim:
        return ShapeError(f"expected min_ndim={min_ndim}, found ndim={shape.rank}", framework)
    return None


def channels_first(config: LayerConfig) -> bool | None:
    """True for `data_format="channels_first"`; None when the format is not a literal."""
    data_format = str_value(config, "data_format", "channels_last")
    if data_format is None:
        return None
    return data_format.lower() == "channels_first"


def split_channels(x: Shape, first: bool) -> tuple[tuple[Dim, ...], Dim]:
    """(spatial dims, channel dim) of a batch-first input."""
    assert x.dims is not None
    if first:
        return x.dims[2:], x.dims[1]
    return x.dims[1:-1], x.dims[-1]


def join_channels(batch: Dim, spatial: Sequence[Dim], channels: Dim, first: bool) -> Shape:
    if first:
        return Shape((batch, channels, *spatial))
    return Shape((batch, *spatial, channels))


def negative_output(framework: str, size: Dim, window: int, dilated: bool = False) -> ShapeError:
    """The error for a window larger than its input (valid padding)."""
    if framework == "tf_keras":
        if dilated:
            return ShapeError("One of the dimensions in the output is <= 0 due to downsampling", framework)
        return ShapeError(f"Negative dimension size caused by subtracting {window} from {size}", framework)
    return ShapeError("Computed output size would be zero or negative", framework)


def unknown_like(x: Shape, rank: int | None = None) -> Shape:
    """Batch kept, every other dimension unknown (rank from `x` unless given)."""
    if x.dims is None:
        return Shape.unknown()
    rank = len(x.dims) if rank is None else rank
    return Shape((x.dims[0], *(None,) * (rank - 1)))
