"""What a torch move call changes: the device, the dtype, or both, read from the call as written.

`model.to("cuda")` and `model.cuda()` move; `model.double()` and `model.to(torch.float64)` cast;
`model.to(device, torch.float64)` does both; `tensor.to(x)` and `tensor.type_as(x)` follow
another tensor in both. An argument is read by what it says: a string or a number is a device,
`torch.float64` a dtype, a name is read by its last word (`args.device`, `dev`, `gpu` are
devices; `x.dtype`, `compute_dtype` dtypes). Anything else (`.to(x)`, an unknown call) may be
a tensor to follow, so it counts as both.

`cast_dtype` names the dtype a cast sets where the call says it (`.double()` is float64).
The save evidence reads it (is a model moved, cast, or both?), and so does LL302 (does a
module's forward move a plain tensor attribute to its input's device or dtype itself?).
"""

from __future__ import annotations

import ast

DEVICE = "device"
DTYPE = "dtype"

MOVE_METHODS = frozenset({"to", "cuda", "half", "double", "bfloat16", "float", "type", "type_as"})
"""Methods of a module or tensor that set its device or dtype (`cpu()` is left out: a plain
tensor made in `__init__` is already on the CPU)."""
KEEPS_PLACE = frozenset({"detach", "clone", "contiguous", "unsqueeze", "squeeze", "view", "reshape",
                         "expand", "expand_as", "permute", "transpose", "repeat", "flatten", "t"})
"""Tensor methods whose result stays on the tensor's device, in its dtype: a move after them
moves it all the same, and kept as an attribute it is as plain as the tensor was."""
_CASTS = {"half", "double", "bfloat16", "float"}
_DTYPE_NAMES = {"float16", "float32", "float64", "bfloat16", "half", "float", "double", "int8",
                "int16", "int32", "int64", "long", "int", "uint8", "bool", "complex64",
                "complex128", "cfloat", "cdouble", "short"}
_DEVICE_WORDS = ("device", "dev", "gpu", "cuda", "cpu", "rank", "mps")


def changes(call: ast.Call) -> frozenset[str]:
    """`DEVICE` and/or `DTYPE`: what the move call `call` (a method in `MOVE_METHODS`) sets."""
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if method == "cuda":
        return frozenset({DEVICE})
    if method in _CASTS:
        return frozenset({DTYPE})
    if method == "type":  # `.type(torch.cuda.FloatTensor)` moves too
        on_gpu = any("cuda" in ast.unparse(argument) for argument in call.args)
        return frozenset({DEVICE, DTYPE} if on_gpu else {DTYPE})
    if method == "type_as":
        return frozenset({DEVICE, DTYPE})
    found: set[str] = set()
    for keyword in call.keywords:
        if keyword.arg in (DEVICE, DTYPE):
            found.add(keyword.arg)
        elif keyword.arg is None:  # **options: anything
            found |= {DEVICE, DTYPE}
    for argument in call.args:
        found |= _argument(argument)
    return frozenset(found)


def fixed_dtype(call: ast.Call) -> bool:
    """Whether the dtype `call` sets is a constant (`.half()`, `.to(torch.float32)`): the same
    whatever its input's dtype is."""
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if method in _CASTS:
        return True
    values = [*call.args, *(keyword.value for keyword in call.keywords if keyword.arg == DTYPE)]
    return any(_is_dtype_constant(value) for value in values)


def cast_dtype(call: ast.Call) -> str:
    """The dtype the move call `call` casts to where it names one: "float64" for `.double()`
    and `.to(torch.float64)`, "float16", "bfloat16", "float32" (`.float()`), or another name of
    `_DTYPE_NAMES` as written; "" where the call does not say (`.to(x.dtype)`, `.to(dtype)`)."""
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if method in _CASTS:
        return _CANONICAL.get(method, method)
    if method == "type":  # `.type(torch.cuda.DoubleTensor)`, `.type("torch.HalfTensor")`
        written = " ".join(ast.unparse(argument) for argument in call.args)
        return next((dtype for name, dtype in _TENSOR_TYPES.items() if name in written), "")
    values = [*call.args, *(keyword.value for keyword in call.keywords if keyword.arg == DTYPE)]
    return next((dtype for dtype in map(dtype_named, values) if dtype), "")


def dtype_named(node: ast.expr) -> str:
    """The dtype `node` names (`torch.float64`, `th.double`: "float64"), else ""."""
    if not _is_dtype_constant(node):
        return ""
    assert isinstance(node, ast.Attribute)
    return _CANONICAL.get(node.attr, node.attr)


_CANONICAL = {"double": "float64", "half": "float16", "float": "float32"}
"""Aliases of floating dtypes (`torch.double`, `.half()`), by their canonical name."""
_TENSOR_TYPES = {"DoubleTensor": "float64", "HalfTensor": "float16", "BFloat16Tensor": "bfloat16",
                 "FloatTensor": "float32"}


def _argument(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant):
        return {DEVICE} if isinstance(node.value, (str, int)) else set()
    if _is_dtype_constant(node):
        return {DTYPE}
    word = _last_word(node).lower()
    if "dtype" in word:
        return {DTYPE}
    if any(device_word in word for device_word in _DEVICE_WORDS):
        return {DEVICE}
    return {DEVICE, DTYPE}


def _is_dtype_constant(node: ast.expr) -> bool:
    """`torch.float64` (or `th.float64`): an attribute of a module-like name naming a dtype."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.attr in _DTYPE_NAMES)


def _last_word(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _last_word(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return _last_word(node.value)
    return ""
