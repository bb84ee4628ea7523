"""Shape rules of torch.nn modules.

Inputs are full shapes, batch first (`(N, C, H, W)`); modules that accept unbatched inputs
(`(C, H, W)` for Conv2d) are handled as torch handles them. Each rule returns the output shape,
a `ShapeError` phrased like torch's own message when the call certainly raises, or
`Shape.unknown()` when an argument it needs is not known. The behaviour of each rule is checked
against `catalog/shape_records/torch.json`, measured by calling the modules on real tensors.
"""

from __future__ import annotations

from collections.abc import Callable

from layerlint.analysis.shapes.config_values import LayerConfig, int_value
from layerlint.analysis.shapes.domain import Dim, Result, Shape, ShapeError

Rule = Callable[[LayerConfig, tuple[Shape, ...]], Result]


def linear(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None:
        return Shape.unknown()
    in_features = int_value(config, "in_features")
    out_features = int_value(config, "out_features")
    if x.rank == 0:
        return ShapeError("both arguments to linear need to be at least 1D", "torch")
    last = x.dims[-1]
    if isinstance(last, int) and in_features is not None and last != in_features:
        return ShapeError("mat1 and mat2 shapes cannot be multiplied", "torch")
    return Shape((*x.dims[:-1], out_features))


def _product(dims: tuple[Dim, ...]) -> int | None:
    total = 1
    for dim in dims:
        if not isinstance(dim, int):
            return None
        total *= dim
    return total


def flatten(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None:
        return Shape.unknown()
    start = int_value(config, "start_dim", 1)
    end = int_value(config, "end_dim", -1)
    if start is None or end is None:
        return Shape.unknown()
    rank = max(x.rank or 0, 1)
    start, end = start % rank if start < 0 else start, end % rank if end < 0 else end
    if start > end or start >= rank or end >= rank:
        return Shape.unknown()
    dims = x.dims if x.dims else (1,)
    merged = _product(dims[start : end + 1])
    return Shape((*dims[:start], merged, *dims[end + 1:]))


RULES: dict[str, Rule] = {
    "Linear": linear,
    "Flatten": flatten,
}
