"""What the tensor functions between layers do to shapes: `op_shape(framework, qualified_name,
args, kwargs)` for `keras.ops` (and `keras.activations`), `tf` (`tf.nn`, `tf.math`) and `torch`
(`torch.nn.functional`, and tensor methods written `Tensor.view`, with the tensor first).

Arguments are `Shape` (a tensor), a tuple/list of `Shape` (`torch.cat([a, b])`), literal values,
dims (`int | Symbol`, such as `x.size(0)`), or `UNKNOWN`. Elementwise functions, broadcasting
arithmetic, transpose/permute, reshape/view, concat/stack, matmul, reductions with
axis/keepdims, flatten, squeeze/expand_dims. Anything else is `Shape.unknown()`. Errors hold the
stable part of the message each framework raises (Keras 3: the symbolic check `keras.ops` makes
while a model is built; tf: the TensorFlow op; torch: ATen), measured with the installed
frameworks (see tests/analysis/shapes/test_op_rules.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from layerlint.analysis.shapes.config_values import is_int
from layerlint.analysis.shapes.domain import (
    UNKNOWN,
    Dim,
    Result,
    Shape,
    ShapeError,
    Symbol,
    broadcast,
    joined,
    product,
)

Bound = dict[str, object]
OpRule = Callable[[str, Bound], Result]

_FAMILY_PREFIXES = (
    ("keras", ("keras.ops.", "ops.", "keras.activations.", "activations.", "keras.backend.", "K.")),
    ("tf", ("tf.nn.", "tf.math.", "tf.linalg.", "tf.keras.activations.", "tf.")),
    ("torch", ("torch.nn.functional.", "nn.functional.", "F.", "torch.", "Tensor.")),
)

_UNARY = {
    "relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "swish", "elu", "selu", "softplus",
    "softsign", "leaky_relu", "hard_sigmoid", "hard_swish", "hardswish", "hardsigmoid", "mish",
    "exp", "log", "abs", "sqrt", "rsqrt", "square", "negative", "neg", "sin", "cos", "erf",
    "softmax", "log_softmax", "dropout", "clip", "clamp", "clip_by_value", "cast", "sign",
    "round", "floor", "ceil", "reciprocal", "logical_not", "stop_gradient", "identity",
    "contiguous", "float", "double", "half", "detach", "clone", "to", "l2_normalize", "normalize",
    "zeros_like", "ones_like", "log_sigmoid", "tanhshrink",
}
_BINARY = {
    "add", "subtract", "sub", "multiply", "mul", "divide", "div", "truediv", "true_divide",
    "maximum", "minimum", "pow", "power", "squared_difference", "floor_divide", "mod",
    "greater", "less", "equal", "not_equal", "logical_and", "logical_or",
}
_REDUCTIONS = {
    "mean", "sum", "max", "min", "prod", "std", "var", "amax", "amin", "any", "all",
    "reduce_mean", "reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_std",
    "reduce_variance", "reduce_any", "reduce_all", "logsumexp", "reduce_logsumexp",
    "argmax", "argmin",
}

# Parameter names, by family, for the functions whose arguments are not all tensors.
_SIGNATURES: dict[tuple[str, str], tuple[str, ...]] = {
    ("keras", "reshape"): ("x", "newshape"),
    ("tf", "reshape"): ("tensor", "shape"),
    ("torch", "reshape"): ("input", "shape"),
    ("keras", "transpose"): ("x", "axes"),
    ("tf", "transpose"): ("a", "perm"),
    ("torch", "transpose"): ("input", "dim0", "dim1"),
    ("torch", "permute"): ("input", "dims"),
    ("keras", "concatenate"): ("xs", "axis"),
    ("tf", "concat"): ("values", "axis"),
    ("torch", "cat"): ("tensors", "dim"),
    ("torch", "concat"): ("tensors", "dim"),
    ("torch", "concatenate"): ("tensors", "dim"),
    ("keras", "stack"): ("x", "axis"),
    ("tf", "stack"): ("values", "axis"),
    ("torch", "stack"): ("tensors", "dim"),
    ("keras", "matmul"): ("x1", "x2"),
    ("tf", "matmul"): ("a", "b", "transpose_a", "transpose_b"),
    ("torch", "matmul"): ("input", "other"),
    ("torch", "mm"): ("input", "mat2"),
    ("torch", "bmm"): ("input", "mat2"),
    ("keras", "squeeze"): ("x", "axis"),
    ("tf", "squeeze"): ("input", "axis"),
    ("torch", "squeeze"): ("input", "dim"),
    ("keras", "expand_dims"): ("x", "axis"),
    ("tf", "expand_dims"): ("input", "axis"),
    ("torch", "unsqueeze"): ("input", "dim"),
    ("torch", "flatten"): ("input", "start_dim", "end_dim"),
    ("keras", "reduction"): ("x", "axis", "keepdims"),
    ("tf", "reduction"): ("input_tensor", "axis", "keepdims"),
    ("torch", "reduction"): ("input", "dim", "keepdim"),
}
# Role names: the first parameter is the tensor; these are the others, per family spelling.
_AXIS_NAMES = ("axis", "axes", "dim", "dims", "perm")
_KEEP_NAMES = ("keepdims", "keepdim")


def family_of(qualified_name: str) -> tuple[str, str] | None:
    """("keras" | "tf" | "torch", bare function name) from `keras.ops.reshape`, `F.relu`, ..."""
    for family, prefixes in _FAMILY_PREFIXES:
        for prefix in prefixes:
            if qualified_name.startswith(prefix):
                return family, qualified_name[len(prefix) :].rsplit(".", 1)[-1]
    return None


def op_shape(
    framework: str, qualified_name: str, args: tuple[object, ...], kwargs: Mapping[str, object]
) -> Result:
    """The result shape of one function call, or `Shape.unknown()` when not understood."""
    found = family_of(qualified_name)
    if found is None:
        return Shape.unknown()
    family, name = found
    method = qualified_name.startswith("Tensor.")
    if name in _UNARY:
        return _unary(args, kwargs)
    if name in _BINARY:
        return _binary(family, args, kwargs)
    if name in _REDUCTIONS:
        return _reduction(family, name, _bind(family, "reduction", args, kwargs))
    rule = _RULES.get(name)
    if rule is None:
        return Shape.unknown()
    if family == "torch" and method and name in ("view", "reshape", "permute") and len(args) > 2:
        args = (args[0], tuple(args[1:]))  # x.view(2, -1) is x.view((2, -1))
    if family == "torch" and method and name == "view":
        name = "reshape"
    return rule(family, _bind(family, name, args, kwargs))


def _bind(family: str, name: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> Bound:
    """Arguments by role: `x` (the first tensor), then the family's own parameter names."""
    names = _SIGNATURES.get((family, name), ("input",))
    bound: Bound = dict(zip(("x", *names[1:]), args))
    for key, item in kwargs.items():
        if key == names[0] or (key in _TENSOR_NAMES and "x" not in bound):
            bound["x"] = item
        else:
            bound[key] = item
    return bound


_TENSOR_NAMES = ("x", "input", "input_tensor", "a", "tensor", "values", "xs", "tensors", "x1")


def _first(bound: Bound, *names: str, default: object = None) -> object:
    for name in names:
        if name in bound:
            return bound[name]
    return default


def _tensor(item: object) -> Shape | None:
    if isinstance(item, Shape):
        return item
    if isinstance(item, (int, float, bool)):
        return Shape(())  # a Python scalar broadcasts as rank 0
    return None


def _unary(args: tuple[object, ...], kwargs: Mapping[str, object]) -> Result:
    x = args[0] if args else next(iter(kwargs.values()), None)
    return x if isinstance(x, Shape) else Shape.unknown()


def _broadcast_error(family: str, a: Shape, b: Shape) -> ShapeError:
    if family == "torch":
        return ShapeError("The size of tensor a", "torch")
    if family == "tf":
        return ShapeError("Incompatible shapes", "tf")
    return ShapeError("Cannot broadcast shape", "keras")


def _binary(family: str, args: tuple[object, ...], kwargs: Mapping[str, object]) -> Result:
    operands = [*args, *kwargs.values()][:2]
    if len(operands) != 2:
        return Shape.unknown()
    a, b = _tensor(operands[0]), _tensor(operands[1])
    if a is None or b is None:
        return Shape.unknown()
    result = broadcast(a, b)
    return _broadcast_error(family, a, b) if isinstance(result, ShapeError) else result


def _axis_list(axis: object, rank: int) -> list[int] | None:
    """Normalized, sorted axes; None when unknown or out of range."""
    axes = [axis] if is_int(axis) else list(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(map(is_int, axes)):
        return None
    if any(not -rank <= item < rank for item in axes):
        return None
    return sorted({item % rank for item in axes})


def _reduction(family: str, name: str, bound: Bound) -> Result:
    x = bound.get("x")
    if not isinstance(x, Shape) or x.dims is None:
        return Shape.unknown()
    axis = _first(bound, *_AXIS_NAMES, default=None)
    keep = _first(bound, *_KEEP_NAMES, default=False)
    if isinstance(axis, Shape):  # torch.max(a, b) is elementwise
        return _binary(family, (x, axis), {})
    if not isinstance(keep, bool):
        return Shape.unknown()
    if axis is None and family == "tf" and name in ("argmax", "argmin"):
        axis = 0  # tf.argmax reduces axis 0 by default
    if axis is None:
        return Shape((1,) * len(x.dims)) if keep else Shape(())
    axes = _axis_list(axis, len(x.dims))
    if axes is None:
        return Shape.unknown()
    dims = tuple(1 if index in axes else dim for index, dim in enumerate(x.dims)) if keep else tuple(
        dim for index, dim in enumerate(x.dims) if index not in axes
    )
    if family == "torch" and name in ("max", "min") and is_int(axis):
        return (Shape(dims), Shape(dims))  # (values, indices)
    return Shape(dims)



def _reshape(family: str, bound: Bound) -> Result:
    x = bound.get("x")
    target = _first(bound, "newshape", "shape", "tensor_shape")
    if is_int(target):
        target = (target,)
    if not isinstance(x, Shape) or not isinstance(target, (tuple, list)):
        return Shape.unknown()
    items: list[Dim] = []
    for item in target:
        if is_int(item) or isinstance(item, Symbol):
            items.append(item)
        else:
            items.append(None)
    if items.count(-1) > 1 or x.dims is None:
        return Shape(tuple(None if item == -1 else item for item in items))
    # Cancel symbols (the batch) that appear on both sides, then compare the int products.
    source = list(x.dims)
    rest = []
    for item in items:
        if isinstance(item, Symbol) and item in source:
            source.remove(item)
        else:
            rest.append(item)
    known = product([item for item in rest if item != -1])
    symbols = [dim for dim in source if isinstance(dim, Symbol)]
    size = product([dim for dim in source if not isinstance(dim, Symbol)])
    if len(symbols) == 1 and -1 in items and size is not None and known:
        # -1 takes the batch with it: exactly the batch when the other sizes match; a size that
        # does not divide may still fit some batch, so nothing is certain.
        inferred = symbols[0] if size == known else None
        return Shape(tuple(inferred if item == -1 else item for item in items))
    size = product(source)
    if size is None or known is None:
        return Shape(tuple(None if item == -1 else item for item in items))
    if -1 in items:
        if known == 0 or size % known:
            return _reshape_error(family)
        return Shape(tuple(size // known if item == -1 else item for item in items))
    if known != size:
        return _reshape_error(family)
    return Shape(tuple(items))


def _reshape_error(family: str) -> ShapeError:
    if family == "torch":
        return ShapeError("is invalid for input of size", "torch")
    return ShapeError("Input to reshape is a tensor with", family)


def _transpose(family: str, bound: Bound) -> Result:
    x = bound.get("x")
    if not isinstance(x, Shape) or x.dims is None:
        return Shape.unknown()
    rank = len(x.dims)
    if family == "torch" and "dim0" in bound:
        dim0, dim1 = bound.get("dim0"), bound.get("dim1")
        if not (is_int(dim0) and is_int(dim1)):
            return Shape.unknown()
        for dim in (dim0, dim1):
            if not -rank <= dim < rank:
                return ShapeError("Dimension out of range", "torch")
        dims = list(x.dims)
        a, b = dim0 % rank, dim1 % rank
        dims[a], dims[b] = dims[b], dims[a]
        return Shape(tuple(dims))
    perm = _first(bound, "axes", "perm", "dims", default=None)
    if perm is None:
        return Shape(tuple(reversed(x.dims))) if family != "torch" else Shape.unknown()
    if not isinstance(perm, (tuple, list)) or not all(map(is_int, perm)):
        return Shape.unknown()
    if len(perm) != rank:
        if family == "keras":
            return ShapeError("axis must be a list of the same length as the input shape", "keras")
        if family == "torch":
            return ShapeError("does not match the length of the desired ordering of dimensions", "torch")
        return Shape.unknown()
    if sorted(axis % rank for axis in perm) != list(range(rank)):
        return Shape.unknown()
    return Shape(tuple(x.dims[axis] for axis in perm))


def _tensor_list(bound: Bound) -> list[Shape] | None:
    items = _first(bound, "x", "xs", "values", "tensors")
    if not isinstance(items, (tuple, list)) or not items or not all(isinstance(i, Shape) for i in items):
        return None
    return list(items)


def _concat(family: str, bound: Bound) -> Result:
    tensors = _tensor_list(bound)
    default_axis = 0
    axis = _first(bound, "axis", "dim", default=default_axis)
    if tensors is None or any(t.dims is None for t in tensors) or not is_int(axis):
        return Shape.unknown()
    rank = tensors[0].rank
    assert rank is not None
    if any(t.rank != rank for t in tensors) or not -rank <= axis < rank:
        return Shape.unknown()
    axis %= rank
    result = joined(tensors, axis)
    return _concat_error(family, axis) if result is None else result


def _concat_error(family: str, axis: int) -> ShapeError:
    if family == "torch":
        return ShapeError(f"Sizes of tensors must match except in dimension {axis}", "torch")
    if family == "tf":
        return ShapeError("in both shapes must be equal", "tf")
    return ShapeError("Every value in `xs` must have the same shape except on the `axis` dim", "keras")


_STACK_ERRORS = {
    "torch": "stack expects each tensor to be equal size",
    "tf": "Shapes of all inputs must match",
    "keras": "Every value in `x` must have the same shape",
}


def _stack(family: str, bound: Bound) -> Result:
    tensors = _tensor_list(bound)
    axis = _first(bound, "axis", "dim", default=0)
    if tensors is None or any(t.dims is None for t in tensors) or not is_int(axis):
        return Shape.unknown()
    first = tensors[0]
    assert first.dims is not None
    for other in tensors[1:]:
        assert other.dims is not None
        if len(other.dims) != len(first.dims) or any(
            is_int(a) and is_int(b) and a != b for a, b in zip(first.dims, other.dims)
        ):
            return ShapeError(_STACK_ERRORS[family], family)
    rank = len(first.dims) + 1
    if not -rank <= axis < rank:
        return Shape.unknown()
    dims = list(first.dims)
    dims.insert(axis % rank, len(tensors))
    return Shape(tuple(dims))


def _matmul(family: str, bound: Bound) -> Result:
    a, b = bound.get("x"), _first(bound, "x2", "b", "other", "mat2")
    if not isinstance(a, Shape) or not isinstance(b, Shape) or a.dims is None or b.dims is None:
        return Shape.unknown()
    left, right = list(a.dims), list(b.dims)
    if not left or not right:
        return Shape.unknown()
    if bound.get("transpose_a") is True and len(left) >= 2:
        left[-1], left[-2] = left[-2], left[-1]
    if bound.get("transpose_b") is True and len(right) >= 2:
        right[-1], right[-2] = right[-2], right[-1]
    elif any(bound.get(flag) not in (None, False) for flag in ("transpose_a", "transpose_b")):
        return Shape.unknown()
    if len(left) == 1 and len(right) == 1:
        inner_a, inner_b = left[0], right[0]
        out: list[Dim] = []
    else:
        inner_a = left[-1]
        inner_b = right[0] if len(right) == 1 else right[-2]
        batch_a = left[:-2] if len(left) >= 2 else []
        batch_b = right[:-2] if len(right) >= 2 else []
        batch = broadcast(Shape(tuple(batch_a)), Shape(tuple(batch_b)))
        if isinstance(batch, ShapeError):
            return _matmul_error(family, left, right)
        if batch.dims is None:
            return Shape.unknown()
        out = list(batch.dims)
        if len(left) >= 2:
            out.append(left[-2])
        if len(right) >= 2:
            out.append(right[-1])
    if is_int(inner_a) and is_int(inner_b) and inner_a != inner_b:
        return _matmul_error(family, left, right)
    return Shape(tuple(out))


def _matmul_error(family: str, left: list[Dim], right: list[Dim]) -> ShapeError:
    if family == "torch":
        if len(right) <= 2:
            return ShapeError("mat1 and mat2 shapes cannot be multiplied", "torch")
        return ShapeError("Expected size for first two dimensions of batch2 tensor", "torch")
    if family == "tf":
        return ShapeError("Matrix size-incompatible", "tf")
    return ShapeError("Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be equal", "keras")


def _squeeze(family: str, bound: Bound) -> Result:
    x = bound.get("x")
    axis = _first(bound, "axis", "dim", default=None)
    if not isinstance(x, Shape) or x.dims is None:
        return Shape.unknown()
    if axis is None:
        if all(is_int(dim) for dim in x.dims):
            return Shape(tuple(dim for dim in x.dims if dim != 1))
        return Shape.unknown()
    axes = _axis_list(axis, len(x.dims))
    if axes is None:
        return Shape.unknown()
    for index in axes:
        dim = x.dims[index]
        if is_int(dim) and dim != 1:
            if family == "torch":
                continue  # torch leaves a dimension that is not 1 in place
            if family == "tf":
                return ShapeError(f"Can not squeeze dim[{index}], expected a dimension of 1", "tf")
            return ShapeError(f"Cannot squeeze axis {index}, because the dimension is not 1", "keras")
        if not is_int(dim):
            return Shape.unknown()
    return Shape(tuple(dim for index, dim in enumerate(x.dims) if index not in axes or dim != 1))


def _expand_dims(family: str, bound: Bound) -> Result:
    x = bound.get("x")
    axis = _first(bound, "axis", "dim", default=UNKNOWN)
    if not isinstance(x, Shape) or x.dims is None or not is_int(axis):
        return Shape.unknown()
    rank = len(x.dims) + 1
    if not -rank <= axis < rank:
        return Shape.unknown()
    dims = list(x.dims)
    dims.insert(axis % rank, 1)
    return Shape(tuple(dims))


def _flatten(family: str, bound: Bound) -> Result:
    x = bound.get("x")
    start = bound.get("start_dim", 0)
    end = bound.get("end_dim", -1)
    if not isinstance(x, Shape) or x.dims is None or not is_int(start) or not is_int(end):
        return Shape.unknown()
    rank = max(len(x.dims), 1)
    if not (-rank <= start < rank and -rank <= end < rank):
        return ShapeError("Dimension out of range", "torch")
    start, end = start % rank, end % rank
    if start > end or not x.dims:
        return Shape.unknown()
    return Shape((*x.dims[:start], product(x.dims[start : end + 1]), *x.dims[end + 1 :]))


_RULES: dict[str, OpRule] = {
    "reshape": _reshape,
    "view": _reshape,
    "transpose": _transpose,
    "permute": _transpose,
    "concatenate": _concat,
    "concat": _concat,
    "cat": _concat,
    "stack": _stack,
    "matmul": _matmul,
    "mm": _matmul,
    "bmm": _matmul,
    "squeeze": _squeeze,
    "expand_dims": _expand_dims,
    "unsqueeze": _expand_dims,
    "flatten": _flatten,
}
