"""The recorder: collects the layer calls of one forward pass and turns them into JSON.

The framework hooks (`hooks.py`) call `enter`/`leave`/`fail` around every layer call; that is
the hot path, so it stores only what would be lost later (shapes, dtypes, the call frame) and
leaves names, parameter counts and source positions to `calls_json`, after the pass.
"""

from __future__ import annotations

import math
from typing import Any

from .sites import Site, UserFrames, describe_site


class LayerCallRecord:
    __slots__ = ("depth", "device", "entry_frame", "error", "failed", "index", "inputs", "layer",
                 "outputs", "parent", "site", "site_kind")

    def __init__(self, index: int, parent: int | None, depth: int, layer: Any,
                 inputs: list[tuple[Any, Any]], site: Site | None, site_kind: str) -> None:
        self.index = index
        self.parent = parent
        self.depth = depth
        self.layer = layer
        self.inputs = inputs
        self.outputs: list[tuple[Any, Any]] = []
        self.site = site
        self.site_kind = site_kind
        self.device: Any = None
        self.entry_frame: Any = None
        """The frame that called this layer, while the call runs (dropped after: it holds
        the caller's tensors)."""
        self.failed = False
        self.error: BaseException | None = None


class Recorder:
    """Layer calls of one trace, plus the sites learned while the user's module loaded."""

    def __init__(self, user_file: str | None) -> None:
        self.recording = False
        self.calls: list[LayerCallRecord] = []
        self.stack: list[LayerCallRecord] = []
        self.failure: LayerCallRecord | None = None
        self.symbolic_sites: dict[int, list[Site]] = {}
        self.definition_sites: dict[int, Site] = {}
        self.frames = UserFrames(user_file, boundary={Recorder.run.__code__})
        self.resident = False
        """Whether the hooks stay installed after this trace (see `hooks.installed`)."""

    def run(self, model: Any, *inputs: Any) -> Any:
        """Call the model with recording on; this frame bounds every call-site search."""
        self.recording = True
        try:
            return model(*inputs)
        finally:
            self.recording = False

    # -- hot path -------------------------------------------------------------------------

    def enter(self, layer: Any, tensors: list[Any], frame: Any) -> LayerCallRecord:
        stack = self.stack
        parent = stack[-1] if stack else None
        # Searching only up to where the parent was called: reaching it without a user frame
        # means framework code inside the parent (Sequential, functional Model) ran this layer.
        site = self.frames.find_site(frame, parent.entry_frame if parent else None)
        kind = "container" if parent is not None and site is None else "call"
        call = LayerCallRecord(len(self.calls), parent.index if parent else None, len(stack),
                               layer, [(shape_of(t), t.dtype) for t in tensors], site, kind)
        call.entry_frame = frame
        self.calls.append(call)
        stack.append(call)
        return call

    def leave(self, call: LayerCallRecord, outputs: Any) -> None:
        tensors = tensors_in(outputs)
        call.outputs = [(shape_of(t), t.dtype) for t in tensors]
        if tensors:
            call.device = getattr(tensors[0], "device", None)
        self._pop(call)
        if self.failure is not None and self.failure.index >= call.index:
            self.failure = None  # an error inside this call was handled by the user's code

    def fail(self, call: LayerCallRecord, error: BaseException) -> None:
        call.failed = True
        call.error = error
        if self.failure is None:
            self.failure = call  # the innermost failing call: it sees the error first
        self._pop(call)

    def _pop(self, call: LayerCallRecord) -> None:
        stack = self.stack
        while stack:
            popped = stack.pop()
            popped.entry_frame = None
            if popped is call:
                return

    # -- while the user's module loads ----------------------------------------------------

    def note_symbolic_call(self, layer: Any, frame: Any) -> None:
        site = self.frames.find_site(frame)
        if site is not None:
            self.symbolic_sites.setdefault(id(layer), []).append(site)

    def note_definition(self, layer: Any, frame: Any) -> None:
        while frame is not None and frame.f_code.co_name == "__init__" and \
                frame.f_locals.get("self") is layer:
            frame = frame.f_back  # the layer's own __init__ is not where it was made
        site = self.frames.find_site(frame)
        if site is not None:
            self.definition_sites.setdefault(id(layer), site)

    # -- after the pass -------------------------------------------------------------------

    def site_of(self, call: LayerCallRecord, nth_container_call: int) -> dict[str, Any] | None:
        """A call's site; a container's child gets its functional call or constructor line."""
        if call.site_kind != "container":
            return describe_site(call.site, "call")
        key = id(call.layer)
        symbolic = self.symbolic_sites.get(key)
        if symbolic:
            return describe_site(symbolic[min(nth_container_call, len(symbolic) - 1)],
                                 "symbolic")
        if key in self.definition_sites:
            return describe_site(self.definition_sites[key], "definition")
        return None

    def calls_json(self, names: dict[int, str] | None = None) -> list[dict[str, Any]]:
        names = names or {}
        params: dict[int, int | None] = {}
        container_calls: dict[int, int] = {}
        result = []
        for call in self.calls:
            key = id(call.layer)
            if key not in params:
                params[key] = count_params(call.layer)
            nth = container_calls.get(key, 0)
            if call.site_kind == "container":
                container_calls[key] = nth + 1
            result.append({
                "index": call.index,
                "parent": call.parent,
                "depth": call.depth,
                "name": names.get(key) or layer_name(call.layer),
                "class_name": type(call.layer).__name__,
                "inputs": [tensor_json(shape, dtype) for shape, dtype in call.inputs],
                "outputs": [tensor_json(shape, dtype) for shape, dtype in call.outputs],
                "params": params[key],
                "device": device_name(call.device),
                "site": self.site_of(call, nth),
                "failed": call.failed,
            })
        return result


_TENSOR_TYPES: dict[type, bool] = {}
"""type -> whether its instances are tensor-like. Asked of the class, not the instance: on an
instance `hasattr(t, "shape")` runs the property (a TensorShape built and thrown away)."""


def is_tensor(value: Any) -> bool:
    kind = type(value)
    verdict = _TENSOR_TYPES.get(kind)
    if verdict is None:
        verdict = _TENSOR_TYPES[kind] = (
            kind not in (list, tuple, dict, str, bytes) and hasattr(kind, "shape")
            and hasattr(kind, "dtype"))
    return verdict


_SHAPE_GETTERS: dict[type, Any] = {}


def shape_of(tensor: Any) -> Any:
    """The tensor's shape, cheaply: TensorFlow's eager tensors build a `TensorShape` object on
    their first `.shape` (several µs per new tensor); `_shape_tuple()` is one C call."""
    getter = _SHAPE_GETTERS.get(type(tensor))
    if getter is None:
        method = getattr(type(tensor), "_shape_tuple", None)
        getter = _SHAPE_GETTERS[type(tensor)] = method if callable(method) else _plain_shape
    try:
        return getter(tensor)
    except Exception:  # a tensor without a known shape (graph tensors): the public property
        return tensor.shape


def _plain_shape(tensor: Any) -> Any:
    return tensor.shape


def tensors_in(*values: Any) -> list[Any]:
    """Tensor-like leaves (anything with shape and dtype) of nested lists, tuples, dicts."""
    if len(values) == 1:
        only = values[0]
        if type(only) is tuple and len(only) == 1:
            only = only[0]  # the common `layer(x)`: skip the walk
        if is_tensor(only):
            return [only]
    found: list[Any] = []
    _collect(values, found, 0)
    return found


def _collect(value: Any, found: list[Any], depth: int) -> None:
    if is_tensor(value):
        found.append(value)
    elif depth < 5 and isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found, depth + 1)
    elif depth < 5 and isinstance(value, dict):
        for item in value.values():
            _collect(item, found, depth + 1)


_SYMBOLIC_TYPES: dict[type, bool] = {}


def any_symbolic(tensors: list[Any]) -> bool:
    """Keras' functional-API placeholders and TF graph tensors: no concrete values."""
    for value in tensors:
        kind = type(value)
        symbolic = _SYMBOLIC_TYPES.get(kind)
        if symbolic is None:
            symbolic = _SYMBOLIC_TYPES[kind] = kind.__name__ == "KerasTensor" or (
                kind.__module__.startswith("tensorflow") and kind.__name__ != "EagerTensor")
        if symbolic:
            return True
    return False


def tensor_json(shape: Any, dtype: Any) -> dict[str, Any]:
    if type(shape) is not tuple:  # TensorShape, torch.Size, a list
        try:
            shape = tuple(shape)
        except TypeError:
            shape = ()
    try:
        dims = [None if dim is None else int(dim) for dim in shape]
    except (TypeError, ValueError):
        dims = []
    name = getattr(dtype, "name", None) or str(dtype)
    return {"shape": dims, "dtype": str(name).removeprefix("torch.")}


def count_params(layer: Any) -> int | None:
    """Parameters of a layer or module, each shared variable counted once (as Keras does)."""
    if hasattr(layer, "count_params"):
        weights = getattr(layer, "weights", None)
        if not getattr(layer, "built", True) or weights is None:
            return None  # an unbuilt Keras layer has no count yet
        try:
            unique = {id(weight): weight for weight in weights}.values()
            return int(sum(math.prod(_dims(weight)) for weight in unique))
        except Exception:  # an unusual variable: ask Keras
            try:
                return int(layer.count_params())
            except Exception:
                return None
    if hasattr(layer, "parameters"):
        return int(sum(parameter.numel() for parameter in layer.parameters()))
    return None


def _dims(variable: Any) -> tuple[int, ...]:
    """A variable's shape as ints. Keras 3 keeps it as a tuple in `_shape`; its `.shape` on
    TensorFlow builds a TensorShape each time (most of the parameter count's cost)."""
    shape = getattr(variable, "_shape", None)
    if type(shape) is not tuple:
        shape = variable.shape
    if type(shape) is tuple:
        return shape
    return tuple(int(dim) for dim in shape)


def layer_name(layer: Any) -> str:
    name = getattr(layer, "name", None)
    return name if isinstance(name, str) and name else type(layer).__name__


def module_names(model: Any) -> dict[int, str]:
    """torch modules have no names of their own: use their attribute path in the model."""
    if not hasattr(model, "named_modules") or hasattr(model, "count_params"):
        return {}
    names = {id(module): name for name, module in model.named_modules() if name}
    names[id(model)] = type(model).__name__
    return names


def device_name(device: Any) -> str | None:
    if device is None:
        return None
    text = str(device)
    if "device:" in text:  # TensorFlow: /job:localhost/replica:0/task:0/device:CPU:0
        return text.rsplit("device:", 1)[1]
    return text
