"""The probe's entry points: trace a file, trace a live object, time one recorded pass.

Every failure of the user's code (import, construction, forward pass, an interrupt) becomes a
result with the user's frames and the framework's own message, never an exception.
"""

from __future__ import annotations

import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from . import devices, hooks, user_module
from .recorder import Recorder, device_name, module_names, tensors_in

Emit = Callable[[str, int], None]
RESULT_MIME = "application/vnd.layerlint.trace+json"
PROGRESS_MIME = "application/vnd.layerlint.progress+json"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KERAS_WRAPPER = re.compile(
    r"^Exception encountered when calling [^\n]*\n\n(?P<core>.*?)(\n\nArguments received.*)?$",
    re.DOTALL,
)


def run_file(request: dict[str, Any], emit: Emit | None = None) -> dict[str, Any]:
    """Run `request["path"]` as a module, build `request["target"]`, trace one forward pass.

    request: path, target (a class, factory or instance name; None: the last model instance in
    the module), inputs ({structure, tensors: [{shape, dtype, name}]}; or the older
    input_shape + input_dtype), device (auto|cpu|gpu), source (optional: the text to run
    instead of the file on disk, e.g. an unsaved buffer), modules (optional: {relative path:
    text} of the workspace modules, for a kernel that cannot read our files), own_kernel
    (False: someone else's kernel, whose Keras session and modules are left as they were),
    resident_hooks.
    """
    emit = emit or _no_progress
    started = time.perf_counter()
    path = os.path.abspath(request["path"])
    own_kernel = request.get("own_kernel", True)
    base = {"path": path, "target": request.get("target"),
            "input_shape": list(devices.input_tensors(request)[0]["shape"]),
            "input_shape_source": request.get("input_shape_source")}
    source = request.get("source")
    if source is None:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    folder = local_folder = os.path.dirname(path)
    if request.get("modules") is not None:
        folder = user_module.write_shipped_modules(request["modules"])
    try:
        result = _run_module(request, base, path, source, folder, own_kernel, emit, started)
    finally:
        if folder != local_folder:
            user_module.remove_shipped_modules(folder)
    if folder != local_folder:
        result = _relocated(result, folder + os.sep, local_folder + "/")
    return result


def _run_module(request: dict[str, Any], base: dict[str, Any], path: str, source: str,
                folder: str, own_kernel: bool, emit: Emit, started: float) -> dict[str, Any]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a kernel not started by layerlint
    emit("importing the frameworks", 5)
    user_module.import_frameworks(user_module.frameworks_imported_by(source))
    devices.enable_gpu_memory_growth()
    if own_kernel:
        user_module.reset_framework_sessions()
    recorder = Recorder(user_file=path)
    module = None
    working_directory = os.getcwd()
    set_aside = user_module.forget_user_modules(folder)
    with hooks.installed(recorder, resident=bool(request.get("resident_hooks"))):
        try:
            os.chdir(folder)  # the user's relative paths (data, weights) work
            emit(f"importing {os.path.basename(path)}", 20)
            try:
                module = user_module.import_user_module(path, source, folder)
            except BaseException as error:
                return _error_result(base, "import", error, recorder, started)
            hooks.install_available(recorder)  # a framework first imported by a sibling
            emit(f"building {request.get('target') or 'the model'}", 40)
            try:
                device = devices.select_device(request.get("device"))
                with device.scope():
                    base["target"], model = user_module.resolve_target(
                        module, request.get("target"))
            except BaseException as error:
                return _error_result(base, "build", error, recorder, started)
            emit("running the forward pass", 60)
            return _trace_forward(base, model, request, device, recorder, started)
        finally:
            os.chdir(working_directory)
            if module is not None:
                user_module.unload(module, folder)
            if not own_kernel:  # the user's own imports of these modules come back
                user_module.forget_user_modules(folder)
                sys.modules.update(set_aside)


def _relocated(value: Any, remote: str, local: str) -> Any:
    """The result with the shipped copies' paths turned back into the workspace's."""
    if isinstance(value, str):
        return value.replace(remote, local)
    if isinstance(value, dict):
        return {key: _relocated(item, remote, local) for key, item in value.items()}
    if isinstance(value, list):
        return [_relocated(item, remote, local) for item in value]
    return value


def run_and_publish(request: dict[str, Any]) -> None:
    """The trace kernel's entry: progress and the result go out as display_data messages."""
    from IPython.display import publish_display_data

    def emit(message: str, percent: int) -> None:
        publish_display_data({PROGRESS_MIME: {"message": message, "percent": percent}})

    try:
        result = run_file(request, emit)
    except BaseException as error:  # a probe bug, or an interrupt outside the user's code
        interrupted = isinstance(error, KeyboardInterrupt)
        result = {"status": "cancelled" if interrupted else "internal_error",
                  "path": request["path"],
                  "error": {"kind": "interrupted" if interrupted else "internal",
                            "type_name": type(error).__name__, "message": str(error),
                            "traceback": traceback.format_exc()}}
    publish_display_data({RESULT_MIME: result})


def trace_live(model: Any, input_shape: Any, device: str = "auto",
               input_dtype: str | None = None) -> dict[str, Any]:
    """Trace a live model object (the `%layerlint_trace` magic, in the user's kernel).
    `input_shape`: one shape, or the `{structure, tensors}` JSON of several inputs."""
    started = time.perf_counter()
    request: dict[str, Any] = (
        {"inputs": input_shape} if isinstance(input_shape, dict)
        else {"input_shape": list(input_shape), "input_dtype": input_dtype})
    base = {"path": "", "target": getattr(model, "name", None) or type(model).__name__,
            "input_shape": list(devices.input_tensors(request)[0]["shape"]),
            "input_shape_source": "magic"}
    recorder = Recorder(user_file=None)
    with hooks.installed(recorder):
        try:
            selected = devices.select_device(device)
        except (RuntimeError, ValueError) as error:
            return _error_result(base, "build", error, recorder, started)
        return _trace_forward(base, model, request, selected, recorder, started)


def record_forward(model: Any, inputs: Any, resident: bool = False) -> list[dict[str, Any]]:
    """One recorded forward pass on a built model and ready inputs: the benchmark's unit
    (`resident`: as in layerlint's own kernel, where the hooks stay installed, idle)."""
    recorder = Recorder(user_file=None)
    with hooks.installed(recorder, resident=resident):
        outputs = recorder.run(model, inputs)
    del outputs
    return recorder.calls_json(module_names(model))


def _trace_forward(base: dict[str, Any], model: Any, request: dict[str, Any],
                   device: devices.Device, recorder: Recorder,
                   started: float) -> dict[str, Any]:
    framework = devices.framework_of(model)
    base = {**base, "framework": framework, "device": device.name}
    try:
        with device.scope():
            model = device.place(model, framework)
            arguments, fed = devices.model_arguments(model, framework, request, device)
            base["inputs"] = fed
            with devices.inference_mode(framework):
                outputs = recorder.run(model, *arguments)
    except BaseException as error:
        return _error_result(base, "forward", error, recorder, started, model)
    calls = recorder.calls_json(module_names(model))
    first = tensors_in(outputs)
    used = device_name(getattr(first[0], "device", None)) if first else None
    return {**base, "status": "ok", "device": used or device.name, "calls": calls,
            "elapsed_s": time.perf_counter() - started}


def _error_result(base: dict[str, Any], kind: str, error: BaseException, recorder: Recorder,
                  started: float, model: Any = None) -> dict[str, Any]:
    frames = recorder.frames.traceback_sites(error)
    site = frames[-1][0] if frames else None
    message = core_message(str(error))
    calls = recorder.calls_json(module_names(model) if model is not None else {})
    layer = None
    failing = recorder.failure
    if failing is not None:
        layer = calls[failing.index]["name"]
        message = core_message(str(failing.error)) or message
        if failing.site_kind == "container" or site is None:
            # Run by a Sequential/functional model: its own line beats the container's call.
            site = calls[failing.index]["site"] or site
    if isinstance(error, SyntaxError) and error.lineno:
        site = {"path": os.path.abspath(error.filename or base["path"]), "line": error.lineno,
                "column": error.offset, "end_line": None, "end_column": None, "kind": "call",
                "code": (error.text or "").strip()}
        message = error.msg
    interrupted = isinstance(error, KeyboardInterrupt)
    return {**base, "status": "cancelled" if interrupted else "error", "calls": calls,
            "error": {"kind": "interrupted" if interrupted else kind,
                      "type_name": type(error).__name__,
                      "message": message or type(error).__name__,
                      "site": site, "layer": layer if not interrupted else None,
                      "traceback": "".join(text for _, text in frames)},
            "elapsed_s": time.perf_counter() - started}


def core_message(text: str) -> str:
    """The framework's own words: no colours, no Keras 'Exception encountered...' wrapper."""
    text = _ANSI.sub("", text).strip()
    match = _KERAS_WRAPPER.match(text)
    return match.group("core").strip() if match else text


def _no_progress(message: str, percent: int) -> None:
    del message, percent


