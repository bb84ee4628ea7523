"""Op records: each call of the op grid made with the real framework, its output shapes or the
message it raised recorded, written beside the layer records under `"op_records"`.

keras.ops calls run first on symbolic inputs (as inside a model being built), whose error is the
one recorded; then, like tf and torch calls, eagerly with batch 2 and batch 3, so that output
dimensions that follow the batch are recorded as `"batch"`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .batched_outputs import store_outputs
from .op_grid import OpCase, keras_op_grid, tf_op_grid, torch_op_grid
from .shape_grid import B


def _json(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


def _resolve(name: str) -> Any:
    if name.startswith("Tensor."):
        method = name.removeprefix("Tensor.")
        return lambda tensor, *args, **kwargs: getattr(tensor, method)(*args, **kwargs)
    roots = {"tf": "tensorflow", "F": "torch.nn.functional", "keras": "keras", "torch": "torch"}
    root, *path = name.split(".")
    found = importlib.import_module(roots[root])
    for part in path:
        found = getattr(found, part)
    return found


def _concrete(value: Any, make: Any, batch: int) -> Any:
    """Grid arguments with tensors made by `make(shape)` and the batch set to `batch`."""
    if isinstance(value, dict) and "shape" in value:
        return make(tuple(batch if dim == B else dim for dim in value["shape"]))
    if isinstance(value, dict) and value.get("dim") == "batch":
        return batch
    if value == B:
        return batch
    if isinstance(value, list):
        return [_concrete(item, make, batch) for item in value]
    if isinstance(value, tuple):
        return tuple(_concrete(item, make, batch) for item in value)
    if isinstance(value, dict):
        return {key: _concrete(item, make, batch) for key, item in value.items()}
    return value


def _shapes(result: Any) -> list[tuple[int, ...]]:
    if isinstance(result, (tuple, list)):
        return [tuple(int(d) for d in item.shape) for item in result]
    return [tuple(int(d) for d in result.shape)]


def _record(case: OpCase, make: Any, symbolic: Any, error_text: Any) -> dict[str, Any]:
    name, args, kwargs = case
    record: dict[str, Any] = {"op": name, "args": _json(args), "kwargs": _json(kwargs)}
    function = _resolve(name)
    try:
        if symbolic is not None:
            function(*_concrete(args, symbolic, None), **_concrete(kwargs, symbolic, None))
        two = _shapes(function(*_concrete(args, make, 2), **_concrete(kwargs, make, 2)))
        three = _shapes(function(*_concrete(args, make, 3), **_concrete(kwargs, make, 3)))
    except Exception as exc:  # recording what the framework raises is the point
        record["error"] = error_text(exc)
        return record
    store_outputs(record, two, three)
    return record


def op_records(framework: str, error_text: Any) -> list[dict[str, Any]]:
    """keras.ops cases for "keras", tf cases for "tf_keras" (its TensorFlow), torch for "torch"."""
    if framework == "torch":
        import torch

        return [_record(case, torch.zeros, None, error_text) for case in torch_op_grid()]
    import numpy as np
    import tensorflow as tf

    if framework == "tf_keras":
        return [_record(case, tf.zeros, None, error_text) for case in tf_op_grid()]
    import keras

    def symbolic(shape: tuple[Any, ...]) -> Any:
        if shape and shape[0] is None:
            return keras.Input(shape=shape[1:])
        return np.zeros(shape, dtype="float32")

    return [_record(case, tf.zeros, symbolic, error_text) for case in keras_op_grid()]
