"""What a trace feeds the model: one tensor, or several (a list, a dict keyed by input name,
several `forward()` arguments), each with its shape (batch included) and dtype.

Written as the CLI, the LSP command and the editor's prompt take it:

    1,32,32,3                      one float32 tensor
    1,10:int32                     one tensor of token ids
    1,32,32,3; 1,10:int32          several (the editor's prompt; a repeated flag on the CLI)
    image=1,32,32,3                one tensor of a dict input
    [[1,32,32,3], [1,10]]          several (JSON): a list for Keras, arguments for torch
    {"image": [1,32,32,3], "tokens": {"shape": [1,10], "dtype": "int32"}}   a dict (JSON)
    {"shape": [1,10], "dtype": "int64"}                                     one, with dtype

`--input-shape` given several times: each is one tensor (named ones make a dict). A dtype left
out is float32, or integer ids when the model's first layer is an Embedding (the probe
decides, see `probe/devices.py`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

STRUCTURES = ("single", "several", "dict")
"""`several`: a list for Keras (`model([a, b])`), positional arguments for torch
(`model(a, b)`), as each framework's multi-input models take them."""
DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32",
                    "int64", "uint8", "bool"})
_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$")


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    dtype: str | None = None
    """None: float32, or integer ids for an Embedding first layer."""
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "dtype": self.dtype, "name": self.name}

    def describe(self) -> str:
        text = repr(tuple(self.shape))
        if self.dtype:
            text += f" {self.dtype}"
        return f"{self.name}={text}" if self.name else text


@dataclass(frozen=True)
class InputSpec:
    tensors: tuple[TensorSpec, ...]
    structure: str = "single"

    @property
    def shape(self) -> tuple[int, ...]:
        """The first tensor's shape (what single-input surfaces show)."""
        return self.tensors[0].shape

    def to_json(self) -> dict[str, Any]:
        return {"structure": self.structure, "tensors": [item.to_json() for item in self.tensors]}

    def describe(self) -> str:
        return ", ".join(item.describe() for item in self.tensors)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InputSpec:
        tensors = tuple(TensorSpec(tuple(int(dim) for dim in item["shape"]), item.get("dtype"),
                                   item.get("name")) for item in data["tensors"])
        return cls(tensors, data.get("structure", "single"))


def single(shape: tuple[int, ...], dtype: str | None = None) -> InputSpec:
    return InputSpec((TensorSpec(tuple(shape), dtype),))


def parse_input_spec(value: Any) -> InputSpec:
    """Any of the written forms above, a list of them (a repeated flag), or a shape tuple.
    Raises ValueError with a message fit for the user."""
    if isinstance(value, InputSpec):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(item, str) for item in value):
        if len(value) == 1:
            return parse_input_spec(value[0])
        return _combine([_one_tensor(item) for item in value])
    if isinstance(value, str):
        text = value.strip()
        if ";" in text and not text.startswith(("[", "{")):  # the editor prompt's several
            return parse_input_spec([part for part in text.split(";") if part.strip()])
        if text.startswith(("[", "{")):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"bad input shape JSON {text!r}: {error.msg}") from None
        else:
            return _combine([_one_tensor(text)])
    if isinstance(value, dict):
        if "shape" in value and not isinstance(value["shape"], dict):
            return InputSpec((_tensor_from_json(value, None),))
        tensors = tuple(_tensor_from_json(item, str(name)) for name, item in value.items())
        if not tensors:
            raise ValueError("an input dict needs at least one named tensor")
        return InputSpec(tensors, "dict")
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(item, (list, tuple, dict, str)) for item in value):
            tensors = tuple(_tensor_from_json(item, None) for item in value)
            return InputSpec(tensors, "several" if len(tensors) > 1 else "single")
        return InputSpec((TensorSpec(_dims(value)),))
    raise ValueError(f"bad input shape {value!r}: use e.g. 1,32,32,3")


def _one_tensor(text: str) -> TensorSpec:
    """`1,32,32,3`, `(1, 10):int32`, `tokens=1,10:int32`."""
    name = None
    match = _NAME.match(text)
    if match:
        name, text = match.group(1), match.group(2)
    dtype = None
    if ":" in text:
        text, dtype = (part.strip() for part in text.rsplit(":", 1))
        _check_dtype(dtype)
    parts = [part for part in text.strip().strip("()[]").replace(" ", "").split(",") if part]
    return TensorSpec(_dims(parts), dtype, name)


def _combine(tensors: list[TensorSpec]) -> InputSpec:
    named = [item for item in tensors if item.name]
    if named and len(named) != len(tensors):
        raise ValueError("name every input (name=1,32,32,3) or none of them")
    if named:
        return InputSpec(tuple(tensors), "dict")
    return InputSpec(tuple(tensors), "several" if len(tensors) > 1 else "single")


def _tensor_from_json(item: Any, name: str | None) -> TensorSpec:
    if isinstance(item, str):
        tensor = _one_tensor(item)
        return TensorSpec(tensor.shape, tensor.dtype, name or tensor.name)
    if isinstance(item, dict):
        if "shape" not in item:
            raise ValueError(f"input {name or ''} needs a shape: {item!r}".replace("  ", " "))
        dtype = item.get("dtype")
        if dtype is not None:
            _check_dtype(str(dtype))
        return TensorSpec(_dims(item["shape"]), dtype and str(dtype), name or item.get("name"))
    return TensorSpec(_dims(item), None, name)


def _dims(items: Any) -> tuple[int, ...]:
    try:
        dims = tuple(int(item) for item in items)
    except (TypeError, ValueError):
        raise ValueError(f"bad input shape {items!r}: dimensions are whole numbers, e.g. "
                         "1,32,32,3 or 1,10:int32") from None
    if not dims or any(dim <= 0 for dim in dims):
        raise ValueError(f"bad input shape {items!r}: give every dimension, batch included")
    return dims


def _check_dtype(dtype: str) -> None:
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(sorted(DTYPES))}")
