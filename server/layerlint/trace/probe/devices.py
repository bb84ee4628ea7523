"""Devices, frameworks and inputs: where the trace runs and what it feeds the model.

`--device auto` uses a GPU when the framework sees one. TensorFlow gets memory growth first,
so a trace never reserves the whole card (its default is to take all of it).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from .hooks import keras_layer_classes


class Device:
    """The chosen device: a scope for TensorFlow/Keras, a `.to()` for torch."""

    def __init__(self, name: str, keras_name: str | None, torch_name: str | None) -> None:
        self.name = name
        self.keras_name = keras_name
        self.torch_name = torch_name

    def scope(self) -> contextlib.AbstractContextManager:
        keras = sys.modules.get("keras")
        if self.keras_name and keras is not None and hasattr(keras, "device"):
            return keras.device(self.keras_name)
        tf = sys.modules.get("tensorflow")
        if self.keras_name and tf is not None:
            return tf.device(self.keras_name)
        return contextlib.nullcontext()

    def place(self, model: Any, framework: str | None) -> Any:
        if framework == "torch" and self.torch_name:
            return model.to(self.torch_name)
        return model


def select_device(requested: str | None) -> Device:
    requested = (requested or "auto").lower()
    if requested not in ("auto", "cpu", "gpu"):
        raise ValueError(f"unknown device {requested!r}: use auto, cpu or gpu")
    gpu = gpu_visible()
    if requested == "gpu" and not gpu:
        raise RuntimeError("device gpu was asked for, but the framework sees no GPU")
    use_gpu = gpu and requested != "cpu"
    uses_tf = "tensorflow" in sys.modules or "keras" in sys.modules
    keras_name = ("gpu:0" if use_gpu else "cpu:0") if uses_tf else None
    torch_name = ("cuda" if use_gpu else "cpu") if "torch" in sys.modules else None
    return Device("GPU:0" if use_gpu else "CPU:0", keras_name, torch_name)


def gpu_visible() -> bool:
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.config.list_physical_devices("GPU"):
        return True
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_available())


def enable_gpu_memory_growth() -> None:
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return
    for gpu in tf.config.list_physical_devices("GPU"):
        with contextlib.suppress(RuntimeError, ValueError):  # initialized: it was set before
            tf.config.experimental.set_memory_growth(gpu, True)


def framework_of(model: Any) -> str | None:
    for name, layer_class in keras_layer_classes():
        if isinstance(model, layer_class):
            return name
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        return "torch"
    return None


def is_model(value: Any) -> bool:
    return not isinstance(value, type) and framework_of(value) is not None


def zeros(framework: str | None, shape: list[int], dtype: str | None, device: Device) -> Any:
    dtype = dtype or "float32"
    if framework == "torch":
        torch = sys.modules["torch"]
        return torch.zeros(tuple(shape), dtype=getattr(torch, dtype), device=device.torch_name)
    if framework == "keras":
        return sys.modules["keras"].ops.zeros(tuple(shape), dtype=dtype)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        return tf.zeros(tuple(shape), dtype=dtype)
    import numpy

    return numpy.zeros(tuple(shape), dtype=dtype)


def input_tensors(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's tensors: `inputs` ({structure, tensors}) or the older `input_shape`."""
    if spec.get("inputs"):
        return [dict(item) for item in spec["inputs"]["tensors"]]
    return [{"shape": list(spec["input_shape"]), "dtype": spec.get("input_dtype"), "name": None}]


def model_arguments(model: Any, framework: str | None, spec: dict[str, Any],
                    device: Device) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
    """(positional arguments for `model(...)`, the tensors fed as JSON with their dtypes).

    Several tensors go as a list to a Keras model (`model([a, b])`) and as arguments to a
    torch module (`model(a, b)`); a dict keeps its names. A dtype left open is float32, or
    integer ids for the first input when the model's first layer is an embedding (zeros are
    valid ids)."""
    structure = (spec.get("inputs") or {}).get("structure", "single")
    tensors = input_tensors(spec)
    if not tensors[0].get("dtype") and first_layer_is_embedding(model, framework):
        tensors[0]["dtype"] = id_dtype(framework)  # the first input feeds the first layer
    for item in tensors:
        item["dtype"] = item.get("dtype") or "float32"
    values = [zeros(framework, item["shape"], item["dtype"], device) for item in tensors]
    if structure == "dict":
        return ({item["name"]: value for item, value in zip(tensors, values)},), tensors
    if structure == "several" and framework != "torch":
        return (values,), tensors
    return tuple(values), tensors


def id_dtype(framework: str | None) -> str:
    return "int64" if framework == "torch" else "int32"


def first_layer_is_embedding(model: Any, framework: str | None) -> bool:
    """The first sublayer the model owns is an embedding (by class name: Keras 3, tf-keras,
    torch and user subclasses alike)."""
    first = _first_child(model, framework)
    return first is not None and any(
        cls.__name__ in ("Embedding", "EmbeddingBag") for cls in type(first).__mro__)


def _first_child(model: Any, framework: str | None) -> Any:
    try:
        if framework == "torch":
            return next(iter(model.children()), None)
        layers = [layer for layer in getattr(model, "layers", None) or ()
                  if type(layer).__name__ != "InputLayer"]
        if layers:
            return layers[0]
        tracked = getattr(model, "_layers", None) or []  # a subclassed model not yet built
        return next(iter(tracked), None)
    except Exception:  # a model whose layers cannot be listed before it runs
        return None


def inference_mode(framework: str | None) -> contextlib.AbstractContextManager:
    if framework == "torch":
        return sys.modules["torch"].no_grad()
    return contextlib.nullcontext()
