"""Shape rules of torch.nn modules.

Inputs are full shapes, batch first (`(N, C, H, W)`); modules that accept unbatched inputs
(`(C, H, W)` for Conv2d) are handled as torch handles them. Each rule returns the output shape,
a `ShapeError` holding the stable part of torch's own message when the call certainly raises,
or `Shape.unknown()` when an argument it needs is not known. The rules are checked against
`catalog/shape_records/torch.json`, measured by calling the modules on real tensors.
"""

from __future__ import annotations

from collections.abc import Callable

from layerlint.analysis.shapes import conv_arithmetic
from layerlint.analysis.shapes.config_values import (
    LayerConfig,
    bool_value,
    int_tuple,
    int_value,
    is_int,
    positive_int,
    positive_tuple,
    value,
)
from layerlint.analysis.shapes.domain import Dim, Result, Shape, ShapeError, product

Rule = Callable[[LayerConfig, tuple[Shape, ...]], Result]


def _error(message: str) -> ShapeError:
    return ShapeError(message, "torch")



def _differs(dim: Dim, expected: int | None) -> bool:
    return is_int(dim) and expected is not None and dim != expected


def linear(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None or not x.dims:
        return Shape.unknown()
    if _differs(x.dims[-1], int_value(config, "in_features")):
        return _error("mat1 and mat2 shapes cannot be multiplied")
    return Shape((*x.dims[:-1], int_value(config, "out_features")))


def flatten(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    start, end = int_value(config, "start_dim", 1), int_value(config, "end_dim", -1)
    if x.dims is None or start is None or end is None:
        return Shape.unknown()
    rank = max(len(x.dims), 1)
    for axis in (start, end):
        if not -rank <= axis < rank:
            return _error(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}]")
    start, end = start % rank, end % rank
    if start > end or not x.dims:
        return Shape.unknown()
    return Shape((*x.dims[:start], product(x.dims[start : end + 1]), *x.dims[end + 1 :]))


def unflatten(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    dim, sizes = int_value(config, "dim"), value(config, "unflattened_size")
    if x.dims is None or dim is None or not isinstance(sizes, (tuple, list)):
        return Shape.unknown()
    if not all(map(is_int, sizes)) or not -len(x.dims) <= dim < len(x.dims):
        return Shape.unknown()
    dim %= len(x.dims)
    size, known = x.dims[dim], product(tuple(s for s in sizes if s != -1))
    new: list[Dim] = list(sizes)
    if -1 in sizes:
        inferred = size // known if is_int(size) and known and size % known == 0 else None
        new = [inferred if s == -1 else s for s in sizes]
    elif is_int(size) and known != size:
        return _error(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim}")
    return Shape((*x.dims[:dim], *new, *x.dims[dim + 1 :]))


def _spatial_input(x: Shape, rank: int, name: str, rank_message: str) -> ShapeError | None:
    """torch's check that a {rank}-d module got an unbatched (rank+1) or batched (rank+2) input."""
    if x.rank is not None and x.rank not in (rank + 1, rank + 2):
        return _error(rank_message.format(unbatched=rank + 1, batched=rank + 2, name=name))
    return None


def convolution(rank: int, transposed: bool = False) -> Rule:
    name = f"conv_transpose{rank}d" if transposed else f"conv{rank}d"

    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = _spatial_input(
            x, rank, name, "Expected {unbatched}D (unbatched) or {batched}D (batched) input to {name}"
        )
        if error or x.dims is None:
            return error or Shape.unknown()
        batched = len(x.dims) == rank + 2
        channels, spatial = x.dims[-rank - 1], x.dims[-rank:]
        in_channels, groups = int_value(config, "in_channels"), positive_int(config, "groups", 1)
        if _differs(channels, in_channels):
            return _error(f"to have {in_channels} channels, but got {channels} channels instead")
        kernel = positive_tuple(value(config, "kernel_size"), rank)
        stride = positive_tuple(value(config, "stride", 1), rank)
        dilation = positive_tuple(value(config, "dilation", 1), rank)
        padding_value = value(config, "padding", 0)
        out_channels = int_value(config, "out_channels")
        lead = x.dims[:1] if batched else ()
        if kernel is None or stride is None or dilation is None or groups is None:
            return Shape((*lead, out_channels, *(None,) * rank))
        if transposed:
            padding = int_tuple(padding_value, rank)
            output_padding = int_tuple(value(config, "output_padding", 0), rank)
            if padding is None or output_padding is None:
                return Shape((*lead, out_channels, *(None,) * rank))
            lengths = [
                conv_arithmetic.torch_deconv_length(n, k, s, p, op, d)
                for n, k, s, p, op, d in zip(spatial, kernel, stride, padding, output_padding, dilation)
            ]
            return Shape((*lead, out_channels, *lengths))
        if padding_value == "same":
            return Shape((*lead, out_channels, *spatial))
        padding = (0,) * rank if padding_value == "valid" else int_tuple(padding_value, rank)
        if padding is None:
            return Shape((*lead, out_channels, *(None,) * rank))
        lengths = []
        for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
            if is_int(n) and n + 2 * p < d * (k - 1) + 1:
                return _error("Kernel size can't be greater than actual input size")
            lengths.append(conv_arithmetic.torch_conv_length(n, k, s, p, d))
        return Shape((*lead, out_channels, *lengths))

    return rule


def pooling(rank: int, kind: str) -> Rule:
    """MaxPool{rank}d and AvgPool{rank}d."""

    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        if x.dims is None or x.rank not in (rank + 1, rank + 2):
            return Shape.unknown()
        kernel = positive_tuple(value(config, "kernel_size"), rank)
        stride_value = value(config, "stride", None)
        stride = kernel if stride_value is None else positive_tuple(stride_value, rank)
        padding = int_tuple(value(config, "padding", 0), rank)
        dilation = positive_tuple(value(config, "dilation", 1), rank) if kind == "Max" else (1,) * rank
        ceil_mode = bool_value(config, "ceil_mode", False)
        spatial = x.dims[-rank:]
        if kernel is None or stride is None or padding is None or dilation is None or ceil_mode is None:
            return Shape((*x.dims[:-rank], *(None,) * rank))
        if kind == "Avg" and rank == 3 and any(is_int(n) and n < k for n, k in zip(spatial, kernel)):
            return _error("smaller than kernel size")
        lengths = []
        for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
            length = conv_arithmetic.torch_conv_length(n, k, s, p, d, ceil_mode)
            if length is not None and length <= 0:
                if kind == "Max" and rank == 1:
                    return _error(f"max_pool1d() Invalid computed output size: {length}")
                return _error("Output size is too small")
            lengths.append(length)
        return Shape((*x.dims[:-rank], *lengths))

    return rule


def adaptive_pooling(rank: int) -> Rule:
    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        size = value(config, "output_size")
        if x.dims is None or x.rank not in (rank + 1, rank + 2):
            return Shape.unknown()
        if is_int(size) or size is None:
            sizes: tuple[object, ...] = (size,) * rank
        elif isinstance(size, (tuple, list)) and len(size) == rank:
            sizes = tuple(size)
        else:
            return Shape((*x.dims[:-rank], *(None,) * rank))
        spatial = x.dims[-rank:]
        lengths = [n if s is None else (s if is_int(s) else None) for s, n in zip(sizes, spatial)]
        return Shape((*x.dims[:-rank], *lengths))

    return rule


def batch_norm(rank: int) -> Rule:
    """BatchNorm1d (2-D or 3-D input), BatchNorm2d (4-D), BatchNorm3d (5-D)."""
    allowed = (2, 3) if rank == 1 else (rank + 2,)

    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        if x.dims is None:
            return Shape.unknown()
        if x.rank not in allowed:
            expected = "2D or 3D" if rank == 1 else f"{rank + 2}D"
            return _error(f"expected {expected} input (got {x.rank}D input)")
        features = int_value(config, "num_features")
        if _differs(x.dims[1], features):
            return _error(f"running_mean should contain {x.dims[1]} elements not {features}")
        return x

    return rule


def instance_norm(rank: int) -> Rule:
    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        if x.dims is None or x.rank not in (rank + 1, rank + 2):
            return Shape.unknown()
        return x

    return rule


def layer_norm(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    normalized = value(config, "normalized_shape")
    normalized = (normalized,) if is_int(normalized) else normalized
    if x.dims is None or not isinstance(normalized, (tuple, list)) or not all(map(is_int, normalized)):
        return x
    tail = x.dims[len(x.dims) - len(normalized) :] if len(normalized) <= len(x.dims) else None
    if tail is None or any(_differs(dim, size) for dim, size in zip(tail, normalized)):
        return _error(f"Given normalized_shape={list(normalized)}, expected input with shape [*, ")
    return x


def group_norm(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None or len(x.dims) < 2:
        return Shape.unknown()
    if _differs(x.dims[1], int_value(config, "num_channels")):
        return _error("Expected weight to be a vector of size equal to the number of channels in input")
    return x


def embedding(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None:
        return Shape.unknown()
    return Shape((*x.dims, int_value(config, "embedding_dim")))


def recurrent(name: str, states: int) -> Rule:
    """LSTM ((output, (h_n, c_n)), flattened), GRU and RNN ((output, h_n))."""

    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        if x.dims is None:
            return Shape.unknown()
        if x.rank not in (2, 3):
            tensor = " tensor" if name == "RNN" else ""
            return _error(f"{name}: Expected input to be 2D or 3D, got {x.rank}D{tensor} instead")
        input_size, hidden = int_value(config, "input_size"), int_value(config, "hidden_size")
        if _differs(x.dims[-1], input_size):
            return _error(
                f"input.size(-1) must be equal to input_size. Expected {input_size}, got {x.dims[-1]}"
            )
        batch_first = bool_value(config, "batch_first", False)
        bidirectional = bool_value(config, "bidirectional", False)
        layers = int_value(config, "num_layers", 1)
        proj = int_value(config, "proj_size", 0)
        if batch_first is None or bidirectional is None or layers is None or proj is None:
            return Shape.unknown()
        directions = 2 if bidirectional else 1
        out_size = proj or hidden
        output_features = out_size * directions if out_size is not None else None
        output = Shape((*x.dims[:-1], output_features))
        state_layers = layers * directions
        if x.rank == 2:
            hidden_states = [Shape((state_layers, out_size))]
            if states == 2:
                hidden_states.append(Shape((state_layers, hidden)))
        else:
            batch = x.dims[0] if batch_first else x.dims[1]
            hidden_states = [Shape((state_layers, batch, out_size))]
            if states == 2:
                hidden_states.append(Shape((state_layers, batch, hidden)))
        return (output, *hidden_states)

    return rule


def upsample(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None or len(x.dims) < 3:
        return Shape.unknown()
    rank = len(x.dims) - 2
    size, scale = value(config, "size", None), value(config, "scale_factor", None)
    if size is not None:
        sizes = int_tuple(size, rank)
        return Shape((*x.dims[:2], *(sizes or (None,) * rank)))
    if is_int(scale) or (isinstance(scale, float) and scale.is_integer()):
        factor = int(scale)
        return Shape((*x.dims[:2], *(n * factor if is_int(n) else None for n in x.dims[2:])))
    return Shape((*x.dims[:2], *(None,) * rank))


def zero_pad(rank: int) -> Rule:
    def rule(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        padding = value(config, "padding")
        pads = int_tuple(padding, 2 * rank) if is_int(padding) else (
            tuple(padding) if isinstance(padding, (tuple, list)) and len(padding) == 2 * rank
            and all(map(is_int, padding)) else None
        )
        if x.dims is None or x.rank not in (rank + 1, rank + 2):
            return Shape.unknown()
        if pads is None:
            return Shape((*x.dims[:-rank], *(None,) * rank))
        # torch pads the last axis first: (left, right, top, bottom, front, back).
        lengths = list(x.dims[-rank:])
        for axis in range(rank):
            index = rank - 1 - axis
            before, after = pads[2 * axis], pads[2 * axis + 1]
            lengths[index] = lengths[index] + before + after if is_int(lengths[index]) else None  # type: ignore[operator]
        return Shape((*x.dims[:-rank], *lengths))

    return rule


def pixel_shuffle(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    factor = positive_int(config, "upscale_factor")
    if x.dims is None or len(x.dims) < 3 or factor is None:
        return Shape.unknown()
    channels, height, width = x.dims[-3:]
    if is_int(channels) and channels % (factor * factor):
        return _error(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            "upscale_factor"
        )
    return Shape((
        *x.dims[:-3],
        channels // (factor * factor) if is_int(channels) else None,
        height * factor if is_int(height) else None,
        width * factor if is_int(width) else None,
    ))


def multihead_attention(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """`mha(query, key, value)` -> (attn_output, attn_weights averaged over heads)."""
    if len(inputs) != 3 or any(x.dims is None or len(x.dims) != 3 for x in inputs):
        return Shape.unknown()
    query, key, _ = inputs
    assert query.dims is not None and key.dims is not None
    embed, batch_first = int_value(config, "embed_dim"), bool_value(config, "batch_first", False)
    if batch_first is None:
        return Shape.unknown()
    if _differs(query.dims[-1], embed):
        return _error(f"was expecting embedding dimension of {embed}, but got {query.dims[-1]}")
    batch_axis, length_axis = (0, 1) if batch_first else (1, 0)
    batch, other_batch = query.dims[batch_axis], key.dims[batch_axis]
    if is_int(batch) and is_int(other_batch) and batch != other_batch:
        return _error("is invalid for input of size")
    weights = Shape((batch, query.dims[length_axis], key.dims[length_axis]))
    return (query, weights)


def transformer_layer(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """TransformerEncoderLayer: the input's shape; its last axis must be d_model."""
    (x,) = inputs
    model, batch_first = int_value(config, "d_model"), bool_value(config, "batch_first", False)
    if x.dims is None or len(x.dims) != 3 or batch_first is None:
        return Shape.unknown()
    if _differs(x.dims[-1], model):
        if batch_first:
            return _error(f"passed-in embed_dim {model} didn't match last dim of query {x.dims[-1]}")
        return _error(f"was expecting embedding dimension of {model}, but got {x.dims[-1]}")
    return x


def same_shape(config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    return inputs[0]


_SAME_SHAPE = (
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "ReLU", "ReLU6", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softmin", "LeakyReLU",
    "ELU", "SELU", "CELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "Hardtanh", "Identity",
    "Softplus", "Softsign", "Tanhshrink", "LogSigmoid", "PReLU", "RReLU", "Hardshrink",
    "Softshrink", "Threshold",
)

RULES: dict[str, Rule] = {
    "Linear": linear,
    "Flatten": flatten,
    "Unflatten": unflatten,
    "LayerNorm": layer_norm,
    "GroupNorm": group_norm,
    "Embedding": embedding,
    "Upsample": upsample,
    "UpsamplingNearest2d": upsample,
    "UpsamplingBilinear2d": upsample,
    "PixelShuffle": pixel_shuffle,
    "MultiheadAttention": multihead_attention,
    "TransformerEncoderLayer": transformer_layer,
    "LazyLinear": linear,
    "LSTM": recurrent("LSTM", 2),
    "GRU": recurrent("GRU", 1),
    "RNN": recurrent("RNN", 1),
    **{name: same_shape for name in _SAME_SHAPE},
}
for _rank in (1, 2, 3):
    RULES[f"Conv{_rank}d"] = convolution(_rank)
    RULES[f"ConvTranspose{_rank}d"] = convolution(_rank, transposed=True)
    RULES[f"MaxPool{_rank}d"] = pooling(_rank, "Max")
    RULES[f"AvgPool{_rank}d"] = pooling(_rank, "Avg")
    RULES[f"AdaptiveAvgPool{_rank}d"] = adaptive_pooling(_rank)
    RULES[f"AdaptiveMaxPool{_rank}d"] = adaptive_pooling(_rank)
    RULES[f"BatchNorm{_rank}d"] = batch_norm(_rank)
    RULES[f"LazyBatchNorm{_rank}d"] = batch_norm(_rank)
    RULES[f"LazyConv{_rank}d"] = convolution(_rank)
    RULES[f"LazyConvTranspose{_rank}d"] = convolution(_rank, transposed=True)
    RULES[f"InstanceNorm{_rank}d"] = instance_norm(_rank)
    for _kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
        RULES[f"{_kind}Pad{_rank}d"] = zero_pad(_rank)
