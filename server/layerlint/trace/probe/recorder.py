"""The recorder: collects the layer calls of one forward pass and turns them into JSON.

The framework hooks (`hooks.py`) call `enter`/`leave`/`fail` around every layer call; that is
the hot path, so it stores only what would be lost later (shapes, dtypes, the call frame) and
leaves names, parameter counts and source positions to `calls_json`, after the pass.
"""

from __future__ import annotations

from collections.abc import Callable
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
        self.undo: dict[str, Callable[[], None]] = {}
        """Framework name -> function removing its hooks (see `hooks.install`)."""

    def run(self, model: Any, inputs: Any) -> Any:
        """Call the model with recording on; this frame bounds every call-site search."""
        self.recording = True
        try:
            return model(inputs)
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
                               layer, [(t.shape, t.dtype) for t in tensors], site, kind)
        call.entry_frame = frame
        self.calls.append(call)
        stack.append(call)
        return call

    def leave(self, call: LayerCallRecord, outputs: Any) -> None:
        tensors = tensors_in(outputs)
        call.outputs = [(t.shape, t.dtype) for t in tensors]
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


def tensors_in(*values: Any) -> list[Any]:
    """Tensor-like leaves (anything with shape and dtype) of nested lists, tuples, dicts."""
    if len(values) == 1 and type(values[0]) is tuple and len(values[0]) == 1:
        only = values[0][0]  # the common `layer(x)`: skip the walk
        if hasattr(only, "shape") and hasattr(only, "dtype"):
            return [only]
    found: list[Any] = []
    _collect(values, found, 0)
    return found


def _collect(value: Any, found: list[Any], depth: int) -> None:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
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
    try:
        dims = [None if dim is None else int(dim) for dim in tuple(shape)]
    except (TypeError, ValueError):
        dims = []
    name = getattr(dtype, "name", None) or str(dtype)
    return {"shape": dims, "dtype": str(name).removeprefix("torch.")}


def count_params(layer: Any) -> int | None:
    if hasattr(layer, "count_params"):
        try:
            return int(layer.count_params())
        except Exception:  # an unbuilt Keras layer has no count yet
            return None
    if hasattr(layer, "parameters"):
        return int(sum(parameter.numel() for parameter in layer.parameters()))
    return None


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
