"""Framework hooks that feed the recorder.

Keras 3 and tf-keras: the base `Layer.__call__` is wrapped, since every layer (built-in,
custom, Sequential, functional Model) goes through it; `Layer.__init__` is wrapped to learn
where each layer was constructed. torch: the global module forward hooks (`always_call`, so a
failing module is seen too) and `Module.__init__` for construction sites.

Each hook reads the recorder from a `Slot`. In a kernel that is not layerlint's (the user's
notebook through the magic, an existing kernel) the hooks are removed after every trace, so
nothing stays patched. In layerlint's own kernel they may stay (`resident=True`), idle between
traces (one attribute test per layer call): assigning `Layer.__call__` invalidates Python's
attribute caches of every layer class, which cost a warm trace more than recording its calls.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .recorder import Recorder, any_symbolic, tensors_in


class Slot:
    """The recorder the installed hooks of one framework feed (None: idle)."""

    __slots__ = ("recorder", "undo")

    def __init__(self) -> None:
        self.recorder: Recorder | None = None
        self.undo: Callable[[], object] = _never


_INSTALLED: dict[str, Slot] = {}
"""Framework name -> its hooks' slot, while the hooks are installed in this process."""


@contextlib.contextmanager
def installed(recorder: Recorder, resident: bool = False) -> Iterator[Recorder]:
    """Hooks feeding `recorder` for the block; `resident`: leave them installed, idle."""
    recorder.resident = resident
    install_available(recorder)
    try:
        yield recorder
    finally:
        for name in list(_INSTALLED):
            slot = _INSTALLED[name]
            slot.recorder = None
            if not resident:
                del _INSTALLED[name]
                slot.undo()


def install_available(recorder: Recorder) -> None:
    """Hook every framework imported so far (again later: a sibling module may import one)."""
    for name, layer_class in keras_layer_classes():
        _slot(name, functools.partial(_wrap_keras, layer_class)).recorder = recorder
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "nn"):
        _slot("torch", lambda slot: _hook_torch(torch, slot)).recorder = recorder


def uninstall_all() -> None:
    """Remove resident hooks (tests; a probe upgrade in a long-lived kernel)."""
    for name in list(_INSTALLED):
        _INSTALLED.pop(name).undo()


def _slot(name: str, install: Callable[[Slot], Callable[[], None]]) -> Slot:
    slot = _INSTALLED.get(name)
    if slot is None:
        slot = _INSTALLED[name] = Slot()
        slot.undo = install(slot)
    return slot


def keras_layer_classes() -> list[tuple[str, type]]:
    found = []
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "layers") and hasattr(keras, "KerasTensor"):
        found.append(("keras", keras.layers.Layer))
    tf_keras = sys.modules.get("tf_keras")
    if tf_keras is not None and hasattr(tf_keras, "layers"):
        found.append(("tf_keras", tf_keras.layers.Layer))
    return found


def _wrap_keras(layer_class: Any, slot: Slot) -> Callable[[], None]:
    original_call = layer_class.__dict__["__call__"]
    original_init = layer_class.__dict__["__init__"]
    getframe = sys._getframe
    tracing_symbolically = _symbolic_run_check()

    @functools.wraps(original_call)
    def __call__(layer, *args, **kwargs):
        recorder = slot.recorder
        if recorder is None:
            return original_call(layer, *args, **kwargs)
        if not recorder.recording:
            if any_symbolic(tensors_in(args)):  # a functional-API call while the module loads
                recorder.note_symbolic_call(layer, getframe(1))
            return original_call(layer, *args, **kwargs)
        if tracing_symbolically():
            return original_call(layer, *args, **kwargs)
        tensors = tensors_in(args, kwargs) if kwargs else tensors_in(args)
        if any_symbolic(tensors):  # a functional-API call in a recorded notebook cell
            recorder.note_symbolic_call(layer, getframe(1))
            return original_call(layer, *args, **kwargs)
        call = recorder.enter(layer, tensors, getframe(1))
        try:
            outputs = original_call(layer, *args, **kwargs)
        except BaseException as error:
            recorder.fail(call, error)
            raise
        recorder.leave(call, outputs)
        return outputs

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        recorder = slot.recorder
        if recorder is not None:
            recorder.note_definition(self, getframe(1))

    layer_class.__call__ = __call__
    layer_class.__init__ = _same_signature(__init__, original_init)

    def undo() -> None:
        layer_class.__call__ = original_call
        layer_class.__init__ = original_init

    return undo


_SIGNATURES: dict[Any, inspect.Signature | None] = {}


def _same_signature(wrapper: Any, original: Callable[..., Any]) -> Callable[..., Any]:
    """Keras builds a layer's default config from `inspect.getfullargspec(cls.__init__)`, which
    ignores functools.wraps but honours `__signature__`: keep the original's."""
    if original not in _SIGNATURES:
        try:
            _SIGNATURES[original] = inspect.signature(original)
        except (TypeError, ValueError):
            _SIGNATURES[original] = None
    if _SIGNATURES[original] is not None:
        wrapper.__signature__ = _SIGNATURES[original]
    return wrapper


def _symbolic_run_check() -> Callable[[], bool]:
    """True while Keras builds a layer by running `call` on placeholders (in a scratch graph,
    even with eager inputs): those calls are not part of the forward pass."""
    in_symbolic_scope: Callable[[], bool] = _never
    with contextlib.suppress(ImportError, AttributeError):
        from keras.src.backend.common import symbolic_scope

        in_symbolic_scope = symbolic_scope.in_symbolic_scope
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return in_symbolic_scope
    executing_eagerly = tf.executing_eagerly
    return lambda: not executing_eagerly() or in_symbolic_scope()


def _never() -> bool:
    return False


def _hook_torch(torch: Any, slot: Slot) -> Callable[[], None]:
    module_class = torch.nn.Module
    global_hooks = torch.nn.modules.module
    getframe = sys._getframe
    original_init = module_class.__dict__["__init__"]

    def before(module: Any, args: Any) -> None:
        recorder = slot.recorder
        if recorder is not None and recorder.recording:
            recorder.enter(module, tensors_in(args), getframe(1))

    def after(module: Any, args: Any, output: Any) -> None:
        recorder = slot.recorder
        if recorder is None or not recorder.recording or not recorder.stack:
            return
        call = recorder.stack[-1]
        error = sys.exc_info()[1]  # `always_call` hooks run inside torch's `except` on failure
        if error is not None:
            recorder.fail(call, error)
        else:
            recorder.leave(call, output)

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        recorder = slot.recorder
        if recorder is not None:
            recorder.note_definition(self, getframe(1))

    handles = [global_hooks.register_module_forward_pre_hook(before),
               global_hooks.register_module_forward_hook(after, always_call=True)]
    module_class.__init__ = _same_signature(__init__, original_init)

    def undo() -> None:
        for handle in handles:
            handle.remove()
        module_class.__init__ = original_init

    return undo
