"""Run one shape trace: pick the target and input shape, drive the warm kernel, and turn every
outcome (success, the user's exception, a timeout, a dead kernel, a cancel) into a
`TraceResult`. Never raises for anything the user's code or the kernel does.

The probe travels as source text: installed once per kernel process as the package
`_layerlint_probe`, then each trace is one short cell calling it. Progress and the result come
back as display_data messages with layerlint's own MIME types.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerlint.trace import input_shapes, targets
from layerlint.trace.kernel import KernelStartError, TraceKernel, warm_kernel
from layerlint.trace.probe import PROBE_VERSION, probe_sources
from layerlint.trace.probe.entry import PROGRESS_MIME, RESULT_MIME
from layerlint.trace.results import SourceSite, TraceResult, failure

INSTALL_TIMEOUT_S = 30.0
_FRAMEWORK_LOG = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]|WARNING: All log messages before absl"
    r"|To enable the following instructions:|oneDNN custom operations are on)")

Progress = Callable[[str, int], None]

_INSTALL = """
def _layerlint_install(sources, version):
    import sys, types
    package = types.ModuleType("_layerlint_probe")
    package.__path__ = []
    package.__package__ = "_layerlint_probe"
    sys.modules["_layerlint_probe"] = package
    for name, text in sources:
        module = types.ModuleType("_layerlint_probe." + name)
        module.__package__ = "_layerlint_probe"
        module.__file__ = "<layerlint-probe/" + name + ".py>"
        sys.modules[module.__name__] = module
        exec(compile(text, module.__file__, "exec"), module.__dict__)
        setattr(package, name, module)
    package.version = version
"""


@dataclass(frozen=True)
class TraceRequest:
    path: str
    target: str | None = None
    """A class, factory or instance name in the file; None: the outermost model class."""
    input_shape: tuple[int, ...] | None = None
    """None: discovered from the source, else `default_input_shape`."""
    default_input_shape: tuple[int, ...] | None = None
    """From settings: used when neither the request nor the source gives a shape."""
    device: str = "auto"
    timeout: float = 60.0
    python: str | None = None
    source: str | None = None
    """The text to trace (an unsaved editor buffer); None: the file on disk."""


def plan(request: TraceRequest) -> tuple[TraceRequest, dict[str, Any]] | TraceResult:
    """Fill in target and input shape; a TraceResult when the trace cannot start."""
    path = str(Path(request.path).resolve())
    source = request.source
    if source is None:
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            return failure("internal_error", path, "input", f"cannot read {path}: {error}")
    target = request.target or targets.default_target(source)
    shape, shape_source, dtype = request.input_shape, "command", None
    if shape is None:
        hint = input_shapes.discover(source, target)
        if hint is not None:
            shape, shape_source, dtype = hint.shape, hint.describe(), hint.dtype
        elif request.default_input_shape is not None:
            shape, shape_source = request.default_input_shape, "settings"
    if shape is None:
        return failure("needs_input_shape", path, "input_shape",
                       f"no input shape known for {target or 'the model'}: pass one, or add "
                       "`# layerlint: input-shape=1,32,32,3` above the class", target=target)
    probe_request = {"path": path, "target": target, "input_shape": list(shape),
                     "input_shape_source": shape_source, "input_dtype": dtype or "float32",
                     "device": request.device, "source": request.source}
    return request, probe_request


def run_trace(request: TraceRequest, on_progress: Progress | None = None,
              cancel: threading.Event | None = None,
              kernel: TraceKernel | None = None) -> TraceResult:
    """Trace `request` in the warm kernel for its interpreter (or in `kernel`)."""
    planned = plan(request)
    if isinstance(planned, TraceResult):
        return planned
    request, probe_request = planned
    path = probe_request["path"]
    progress = on_progress or _ignore_progress
    kernel = kernel or warm_kernel(request.python)
    if not _acquire(kernel.lock, cancel):
        return failure("cancelled", path, "cancelled", "cancelled while another trace ran")
    try:
        started = time.perf_counter()
        try:
            if not kernel.is_alive():
                progress(f"starting a kernel ({kernel.python})", 2)
            warm = kernel.ensure_started() and kernel.state.get("traces", 0) > 0
            _install_probe(kernel)
            result = _execute_trace(kernel, probe_request, request.timeout, progress, cancel)
        except KernelStartError as error:
            return failure("internal_error", path, "internal", str(error))
        except Exception as error:  # jupyter_client or zmq trouble: report it, start afresh
            kernel.shutdown()
            return failure("internal_error", path, "internal",
                           f"the trace kernel failed: {type(error).__name__}: {error}")
        kernel.state["traces"] = kernel.state.get("traces", 0) + 1
        return result.with_changes(kernel_reused=warm,
                                   elapsed_s=time.perf_counter() - started)
    finally:
        kernel.lock.release()


def _acquire(lock: threading.Lock, cancel: threading.Event | None) -> bool:
    """Wait for the kernel (one trace at a time), giving up when cancelled meanwhile."""
    while not lock.acquire(timeout=0.2):
        if cancel is not None and cancel.is_set():
            return False
    if cancel is not None and cancel.is_set():
        lock.release()
        return False
    return True


def _install_probe(kernel: TraceKernel) -> None:
    """Send the probe unless this kernel already has this exact text (a long-lived server
    whose package was upgraded sends the new one)."""
    sources = probe_sources()
    version = f"{PROBE_VERSION}-{hashlib.sha256(repr(sources).encode()).hexdigest()[:16]}"
    if kernel.state.get("probe") == version:
        return
    code = f"{_INSTALL}\n_layerlint_install({sources!r}, {version!r})\n"
    execution = kernel.execute(code, timeout=INSTALL_TIMEOUT_S)
    if execution.status != "ok":
        detail = execution.error or execution.status
        raise KernelStartError(f"could not install the probe in the kernel: {detail}")
    kernel.state["probe"] = version


def _execute_trace(kernel: TraceKernel, probe_request: dict[str, Any], timeout: float,
                   progress: Progress, cancel: threading.Event | None) -> TraceResult:
    path = probe_request["path"]
    payload: dict[str, Any] = {}

    def on_display(data: dict[str, Any]) -> None:
        if PROGRESS_MIME in data:
            item = data[PROGRESS_MIME]
            progress(str(item.get("message", "")), int(item.get("percent", 0)))
        elif RESULT_MIME in data:
            payload.update(data[RESULT_MIME])

    code = ("import sys, json\nsys.modules['_layerlint_probe'].entry.run_and_publish("
            f"json.loads({json.dumps(probe_request)!r}))")
    execution = kernel.execute(code, timeout=timeout, cancel=cancel, on_display=on_display)
    execution.output = without_framework_logs(execution.output)
    result = TraceResult.from_json(payload) if payload.get("status") else None

    if execution.status == "died":
        kernel.restart()
        code_text = f" with exit code {execution.exit_code}" if execution.exit_code else ""
        tail = _last_lines(kernel.log_tail() + execution.output)
        return failure("crashed", path, "crash",
                       f"the kernel died{code_text} while tracing (segfault, os._exit or out "
                       f"of memory); it was restarted.{tail}",
                       target=probe_request["target"], output=execution.output,
                       **_shape_fields(probe_request))
    if execution.status == "timeout":
        kernel.restart()  # the model may be half-built, the framework in any state
        where = _interrupted_site(result)
        return failure("timeout", path, "timeout",
                       f"the trace did not finish in {timeout:g} s"
                       f"{_at(where)}; the kernel was restarted",
                       site=where, target=probe_request["target"], output=execution.output,
                       **_shape_fields(probe_request))
    if execution.status == "cancelled":
        if not execution.settled:
            kernel.restart()
        where = _interrupted_site(result)
        return failure("cancelled", path, "cancelled", f"the trace was cancelled{_at(where)}",
                       site=where, target=probe_request["target"], output=execution.output,
                       **_shape_fields(probe_request))
    if result is None:
        detail = execution.error or {"evalue": "no result came back"}
        return failure("internal_error", path, "internal",
                       f"the probe failed: {detail.get('ename', '')} {detail.get('evalue', '')}",
                       output=execution.output)
    return result.with_changes(output=execution.output)


def without_framework_logs(text: str) -> str:
    """The user's prints, without TensorFlow's C++ log lines (they bypass TF_CPP_MIN_LOG_LEVEL
    until absl logging is initialized) that the kernel captures from its stderr."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not _FRAMEWORK_LOG.match(line))


def _interrupted_site(result: TraceResult | None) -> SourceSite | None:
    """Where the user's code was when the interrupt landed (the probe reports it)."""
    if result is None or result.error is None:
        return None
    return result.error.site


def _at(site: SourceSite | None) -> str:
    return f" (it was running line {site.line}: {site.code})" if site else ""


def _shape_fields(probe_request: dict[str, Any]) -> dict[str, Any]:
    return {"input_shape": tuple(probe_request["input_shape"]),
            "input_shape_source": probe_request["input_shape_source"]}


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()][-count:]
    return ("\n" + "\n".join(lines)) if lines else ""


def _ignore_progress(message: str, percent: int) -> None:
    del message, percent
