"""Shape rules of Keras layers (Keras 3 and tf-keras: `framework` picks the message wording).

Inputs carry the batch dimension first, channels last unless `data_format="channels_first"`.
Each rule returns the output shape, a `ShapeError` phrased like the framework's own message when
the call certainly raises, or `Shape.unknown()` when an argument it needs is not known. The
rules are checked against `catalog/shape_records/{keras,tf_keras}.json`, measured by calling the
layers on symbolic inputs (`keras.Input`), as Sequential and functional models do. This module
holds the core, merging and recurrent layers and the wrappers; `keras_spatial` the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from layerlint.analysis.shapes import keras_spatial
from layerlint.analysis.shapes.config_values import (
    INCOMPLETE,
    LayerConfig,
    bool_value,
    int_value,
    is_int,
    value,
)
from layerlint.analysis.shapes.domain import (
    Dim,
    Result,
    Shape,
    ShapeError,
    Symbol,
    broadcast,
    joined,
    product,
)
from layerlint.analysis.shapes.keras_common import Rule, rank_error, unknown_like


def dense(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    error = rank_error(framework, x, min_ndim=2)
    if error or x.dims is None:
        return error or Shape.unknown()
    return Shape((*x.dims[:-1], int_value(config, "units")))


def flatten(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None:
        return Shape.unknown()
    return Shape((x.dims[0], product(x.dims[1:])))


def reshape(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    target = value(config, "target_shape")
    if x.dims is None or not isinstance(target, (tuple, list)) or not all(map(is_int, target)):
        return Shape.unknown()
    size = product(x.dims[1:])
    if list(target).count(-1) > 1:
        return Shape.unknown()
    known = product(tuple(dim for dim in target if dim != -1))
    if size is None:
        return Shape((x.dims[0], *(None if dim == -1 else dim for dim in target)))
    if -1 in target:
        if not known or size % known:
            return _reshape_error(framework, x, target)
        return Shape((x.dims[0], *(size // known if dim == -1 else dim for dim in target)))
    if known is None or known != size:
        return _reshape_error(framework, x, target)
    return Shape((x.dims[0], *target))


def _reshape_error(framework: str, x: Shape, target: object) -> ShapeError:
    if framework == "tf_keras":
        return ShapeError("total size of new array must be unchanged", framework)
    return ShapeError("The total size of the tensor must be unchanged", framework)


def permute(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    dims = value(config, "dims")
    if not isinstance(dims, (tuple, list)) or not all(map(is_int, dims)):
        return Shape.unknown()
    error = rank_error(framework, x, ndim=len(dims) + 1)
    if error or x.dims is None:
        return error or Shape.unknown()
    if sorted(dims) != list(range(1, len(dims) + 1)):
        return Shape.unknown()
    return Shape((x.dims[0], *(x.dims[axis] for axis in dims)))


def repeat_vector(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    error = rank_error(framework, x, ndim=2)
    if error or x.dims is None:
        return error or Shape.unknown()
    return Shape((x.dims[0], int_value(config, "n"), x.dims[1]))


def same_shape(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """Dropout, activations, noise, masking, rescaling: the output has the input's shape."""
    return inputs[0]


def spatial_dropout(rank: int) -> Rule:
    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        return rank_error(framework, x, ndim=rank + 2) or x

    return rule


def normalization(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """BatchNormalization and friends keep the shape; the normalized axis must be known."""
    (x,) = inputs
    if x.dims is None:
        return x
    axis = value(config, "axis", -1)
    # Only the batch is certainly undefined when the layer builds; an unknown dim may be known.
    if is_int(axis) and -len(x.dims) <= axis < len(x.dims) and isinstance(x.dims[axis], Symbol):
        if framework == "tf_keras":
            return ShapeError("Input has undefined `axis` dimension", framework)
        return ShapeError("Shapes used to initialize variables must be fully-defined", framework)
    return x


def elementwise_merge(name: str) -> Rule:
    """Add, Multiply, Subtract, Average, Maximum, Minimum: broadcast the inputs' non-batch dims."""

    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        if name == "Subtract" and len(inputs) != 2:
            return ShapeError("A `Subtract` layer should be called on exactly 2 inputs", framework)
        if any(x.dims is None for x in inputs):
            return Shape.unknown()
        result = Shape(inputs[0].dims[1:])  # type: ignore[index]
        for x in inputs[1:]:
            other = Shape(x.dims[1:])  # type: ignore[index]
            merged = broadcast(result, other)
            if isinstance(merged, ShapeError):
                return ShapeError(
                    f"Inputs have incompatible shapes. Received shapes {result.display()} and "
                    f"{other.display()}",
                    framework,
                )
            result = merged
        assert result.dims is not None
        return Shape((inputs[0].dims[0], *result.dims))  # type: ignore[index]

    return rule


def concatenate(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    if any(x.dims is None for x in inputs):
        return Shape.unknown()
    axis = int_value(config, "axis", -1)
    rank = inputs[0].rank
    error = ShapeError(
        "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis",
        framework,
    )
    if axis is None or rank is None:
        return Shape.unknown()
    if any(x.rank != rank for x in inputs):
        return error
    result = joined(inputs, axis % rank)
    return error if result is None else result


def embedding(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    if x.dims is None:
        return Shape.unknown()
    return Shape((*x.dims, int_value(config, "output_dim")))


def recurrent(states: int) -> Rule:
    """LSTM (2 states), GRU and SimpleRNN (1 state)."""

    def rule(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
        (x,) = inputs
        error = rank_error(framework, x, ndim=3)
        if error or x.dims is None:
            return error or Shape.unknown()
        units = int_value(config, "units")
        sequences = bool_value(config, "return_sequences", False)
        return_state = bool_value(config, "return_state", False)
        if sequences is None or return_state is None:
            return Shape.unknown()
        output = Shape((x.dims[0], x.dims[1], units)) if sequences else Shape((x.dims[0], units))
        if return_state:
            return (output, *(Shape((x.dims[0], units)),) * states)
        return output

    return rule


_RECURRENT_STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def _inner(config: LayerConfig) -> tuple[str, LayerConfig] | None:
    """The wrapped layer as `{"class_name": ..., "config": {...}}`, or None when unknown."""
    layer = value(config, "layer")
    if not isinstance(layer, Mapping):
        return None
    name, inner_config = layer.get("class_name"), layer.get("config", {})
    if not isinstance(name, str) or not isinstance(inner_config, Mapping):
        return None
    if inner_config.get(INCOMPLETE):
        return None
    return name, inner_config


def bidirectional(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    (x,) = inputs
    error = rank_error(framework, x, ndim=3)
    if error:
        return error
    inner = _inner(config)
    if inner is None or inner[0] not in _RECURRENT_STATES:
        return unknown_like(x) if x.dims is not None and inner is None else Shape.unknown()
    name, inner_config = inner
    result = RULES[name](framework, inner_config, inputs)
    merge_mode = value(config, "merge_mode", "concat")
    if isinstance(result, ShapeError) or merge_mode not in (None, "concat", "sum", "mul", "ave"):
        return result if isinstance(result, ShapeError) else Shape.unknown()
    output, states = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
    if output.dims is None:
        return Shape.unknown()
    if merge_mode is None:
        merged: tuple[Shape, ...] = (output, output)
    elif merge_mode == "concat":
        last = output.dims[-1]
        merged = (Shape((*output.dims[:-1], last * 2 if is_int(last) else None)),)
    else:
        merged = (output,)
    if not states and len(merged) == 1:
        return merged[0]
    return (*merged, *states, *states)


def time_distributed(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """The wrapped layer applied to each step of axis 1. tf-keras reports the inner layer's
    error; Keras 3 raises it from deep inside the inner computation with wording that depends on
    the layer, so there the answer is unknown."""
    (x,) = inputs
    error = rank_error(framework, x, min_ndim=3)
    if error or x.dims is None:
        return error or Shape.unknown()
    inner = _inner(config)
    if inner is None or inner[0] not in RULES or inner[0] in ("TimeDistributed", "Bidirectional"):
        return Shape.unknown()
    name, inner_config = inner
    result = RULES[name](framework, inner_config, (Shape((x.dims[0], *x.dims[2:])),))
    if isinstance(result, ShapeError) and framework == "tf_keras":
        return result
    if not isinstance(result, Shape) or result.dims is None:
        return Shape.unknown()
    return Shape((x.dims[0], x.dims[1], *result.dims[1:]))


def einsum_dense(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """EinsumDense where simple: `in,kernel->out` without ellipsis, `output_shape` for all
    output letters but the first (the batch)."""
    (x,) = inputs
    equation, spec = value(config, "equation"), value(config, "output_shape")
    if x.dims is None or not isinstance(equation, str) or "." in equation or "->" not in equation:
        return Shape.unknown()
    operands, out = equation.replace(" ", "").split("->")
    if operands.count(",") != 1:
        return Shape.unknown()
    source = operands.split(",")[0]
    if len(source) != len(x.dims):
        if framework == "tf_keras":
            return ShapeError(f"Shape must be rank {len(source)} but is rank {len(x.dims)}", framework)
        return Shape.unknown()
    spec = (spec,) if is_int(spec) or spec is None else spec
    if not isinstance(spec, (tuple, list)) or len(spec) != len(out) - 1 or not out:
        return Shape.unknown()
    dims: list[Dim] = [x.dims[source.index(out[0])] if out[0] in source else None]
    for letter, size in zip(out[1:], spec):
        if is_int(size):
            dims.append(size)
        elif size is None and framework == "tf_keras" and letter in source:
            dims.append(x.dims[source.index(letter)])
        else:
            dims.append(None)
    return Shape(tuple(dims))


def multi_head_attention(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """`mha(query, value[, key])`: the query's shape, its last axis `output_shape` if given."""
    query = inputs[0]
    if query.dims is None or not query.dims:
        return Shape.unknown()
    spec = value(config, "output_shape", None)
    if spec is None:
        return query
    if is_int(spec):
        return Shape((*query.dims[:-1], spec))
    if isinstance(spec, (tuple, list)) and all(map(is_int, spec)):
        return Shape((*query.dims[:-1], *spec))
    return Shape((*query.dims[:-1], None))


def attention(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """`Attention()([query, value(, key)])`: (batch, Tq, value dim). tf-keras multiplies the
    query by the key, so their last axes must agree; Keras 3 does not check while building."""
    if len(inputs) not in (2, 3) or any(x.dims is None or len(x.dims) != 3 for x in inputs):
        return Shape.unknown()
    query, value_shape = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value_shape
    assert query.dims is not None and value_shape.dims is not None and key.dims is not None
    q, k = query.dims[-1], key.dims[-1]
    if framework == "tf_keras" and is_int(q) and is_int(k) and q != k:
        return ShapeError(f"Dimensions must be equal, but are {q} and {k}", framework)
    return Shape((query.dims[0], query.dims[1], value_shape.dims[-1]))


def resizing(framework: str, config: LayerConfig, inputs: tuple[Shape, ...]) -> Result:
    """Resizing and CenterCrop: a batch (rank 4) or a single image (rank 3) to height x width."""
    (x,) = inputs
    height, width = int_value(config, "height"), int_value(config, "width")
    first = value(config, "data_format", "channels_last")
    if x.dims is None or x.rank not in (3, 4) or first not in ("channels_last", "channels_first", None):
        return Shape.unknown()
    lead = x.dims[:-3]
    if first == "channels_first":
        return Shape((*lead, x.dims[-3], height, width))
    return Shape((*lead, height, width, x.dims[-1]))


_SAME_SHAPE = (
    "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Activation", "ReLU",
    "LeakyReLU", "ELU", "Softmax", "PReLU", "Identity", "Masking", "ActivityRegularization",
    "Rescaling", "ThresholdedReLU", "Normalization",
)

RULES: dict[str, Rule] = {
    "Dense": dense,
    "Flatten": flatten,
    "Reshape": reshape,
    "Permute": permute,
    "RepeatVector": repeat_vector,
    "Embedding": embedding,
    "Concatenate": concatenate,
    "Bidirectional": bidirectional,
    "EinsumDense": einsum_dense,
    "MultiHeadAttention": multi_head_attention,
    "Attention": attention,
    "Resizing": resizing,
    "CenterCrop": resizing,
    "TimeDistributed": time_distributed,
    "SpatialDropout1D": spatial_dropout(1),
    "SpatialDropout2D": spatial_dropout(2),
    "SpatialDropout3D": spatial_dropout(3),
    **{name: same_shape for name in _SAME_SHAPE},
    **{name: normalization for name in (
        "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization")},
    **{name: elementwise_merge(name) for name in (
        "Add", "Multiply", "Subtract", "Average", "Maximum", "Minimum")},
    **{name: recurrent(states) for name, states in _RECURRENT_STATES.items()},
    **keras_spatial.RULES,
}
