"""Run one shape trace: pick the target and input shape, drive the warm kernel, and turn every
outcome (success, the user's exception, a timeout, a dead kernel, a cancel) into a
`TraceResult`. Never raises for anything the user's code or the kernel does.

The probe travels as source text: installed once per kernel process as the package
`_layerlint_probe`, then each trace is one short cell calling it. Progress and the result come
back as display_data messages with layerlint's own MIME types. Neither cell binds a name in
the kernel's namespace: in someone else's kernel (`--existing`) the user's variables stay as
they were.

Kernels: the local one layerlint starts (`kernel.TraceKernel`), an existing one
(`existing_kernel`), or one on a Jupyter gateway (`gateway_kernel`); the outcomes are the same,
except that a kernel layerlint did not start is interrupted but never restarted, and the user
is told so.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from layerlint.config import Settings, TraceDevice
from layerlint.trace import input_shapes, targets
from layerlint.trace.existing_kernel import ExistingKernel
from layerlint.trace.gateway_kernel import GatewayKernel, GatewaySettings, token_from_environment
from layerlint.trace.input_spec import InputSpec, parse_input_spec, single
from layerlint.trace.kernel import Kernel, KernelStartError, register, warm_kernel
from layerlint.trace.probe import probe_version_and_sources
from layerlint.trace.probe.entry import PROGRESS_MIME, RESULT_MIME
from layerlint.trace.results import ModelInput, SourceSite, TraceResult, failure
from layerlint.trace.workspace_modules import sibling_modules

INSTALL_TIMEOUT_S = 30.0
_FRAMEWORK_LOG = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]|WARNING: All log messages before absl"
    r"|To enable the following instructions:|oneDNN custom operations are on)")

Progress = Callable[[str, int], None]

_INSTALL = """
def _layerlint_install(sources, version):
    import sys, types
    old = sys.modules.get("_layerlint_probe")
    if old is not None and hasattr(getattr(old, "hooks", None), "uninstall_all"):
        old.hooks.uninstall_all()  # an upgraded probe: the old one's resident hooks go
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
    input_shape: tuple[int, ...] | InputSpec | None = None
    """One shape or several inputs (`input_spec`); None: discovered from the source, else
    `default_input_shape`."""
    default_input_shape: tuple[int, ...] | InputSpec | None = None
    """From settings: used when neither the request nor the source gives a shape."""
    device: TraceDevice = "auto"
    timeout: float = 60.0
    python: str | None = None
    source: str | None = None
    """The text to trace (an unsaved editor buffer); None: the file on disk."""
    existing: str | None = None
    """A connection file (or its bare name): trace in that running kernel."""
    gateway: GatewaySettings | None = None
    """Trace in a kernel started through this Jupyter gateway."""
    memory_limit_mb: int | None = None
    """The local kernel's memory limit (None: 3/4 of the machine's memory; 0: none)."""


def kernel_for(request: TraceRequest) -> Kernel:
    """The warm kernel that serves `request` (created on first use, started by the run)."""
    if request.existing:
        return register(f"existing:{request.existing}",
                        lambda: ExistingKernel(request.existing or ""))
    if request.gateway is not None:
        gateway = request.gateway
        key = f"gateway:{gateway.url}:{gateway.kernel_name or ''}"
        kernel = register(key, lambda: GatewayKernel(gateway))
        assert isinstance(kernel, GatewayKernel)
        kernel.settings = gateway  # a token changed in the settings since
        return kernel
    return warm_kernel(request.python, request.memory_limit_mb)


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
    try:
        spec, shape_source = _as_spec(request.input_shape), "command"
        if spec is None:
            hint = input_shapes.discover(source, target)
            if hint is not None:
                spec, shape_source = hint.spec or single(hint.shape, hint.dtype), hint.describe()
            elif request.default_input_shape is not None:
                spec, shape_source = _as_spec(request.default_input_shape), "settings"
    except ValueError as error:
        return failure("internal_error", path, "input_shape", str(error), target=target)
    if spec is None:
        return failure("needs_input_shape", path, "input_shape",
                       f"no input shape known for {target or 'the model'}: pass one, or add "
                       "`# layerlint: input-shape=1,32,32,3` above the class", target=target)
    probe_request = {"path": path, "target": target, "input_shape": list(spec.shape),
                     "inputs": spec.to_json(), "input_shape_source": shape_source,
                     "device": request.device, "source": request.source}
    return request, probe_request


def _as_spec(value: tuple[int, ...] | InputSpec | None) -> InputSpec | None:
    if value is None or isinstance(value, InputSpec):
        return value
    return parse_input_spec(list(value))


def run_trace(request: TraceRequest, on_progress: Progress | None = None,
              cancel: threading.Event | None = None,
              kernel: Kernel | None = None) -> TraceResult:
    """Trace `request` in the warm kernel that serves it (or in `kernel`)."""
    planned = plan(request)
    if isinstance(planned, TraceResult):
        return planned
    request, probe_request = planned
    path = probe_request["path"]
    progress = on_progress or _ignore_progress
    try:
        kernel = kernel or kernel_for(request)
    except Exception as error:
        return failure("internal_error", path, "internal", str(error))
    probe_request["own_kernel"] = probe_request["resident_hooks"] = kernel.owned
    if kernel.remote:
        source = probe_request["source"]
        if source is None:
            source = probe_request["source"] = Path(path).read_text(encoding="utf-8")
        probe_request["modules"] = sibling_modules(path, source)
    if not _acquire(kernel.lock, cancel):
        return failure("cancelled", path, "cancelled", "cancelled while another trace ran")
    try:
        started = time.perf_counter()
        try:
            if not kernel.is_alive():
                progress(f"starting a kernel ({kernel.label})" if kernel.owned
                         else f"connecting to the kernel {kernel.label}", 2)
            warm = kernel.ensure_started() and kernel.state.get("traces", 0) > 0
            _install_probe(kernel)
            result = _execute_trace(kernel, probe_request, request.timeout, progress, cancel)
            if result.error is not None and result.error.type_name == _PROBE_MISSING:
                kernel.state.pop("probe", None)  # restarted behind our back: install again
                _install_probe(kernel)
                result = _execute_trace(kernel, probe_request, request.timeout, progress,
                                        cancel)
        except KernelStartError as error:
            return failure("internal_error", path, "internal", str(error))
        except Exception as error:  # jupyter_client or zmq trouble: report it, start afresh
            if kernel.owned:
                kernel.shutdown()
            message = f"the trace kernel failed: {type(error).__name__}: {error}"
            return failure("internal_error", path, "internal", _redact(kernel, message))
        kernel.state["traces"] = kernel.state.get("traces", 0) + 1
        if kernel.remote:
            result = _explain_missing_module(result, probe_request.get("modules") or {})
        return result.with_changes(kernel_reused=warm,
                                   elapsed_s=time.perf_counter() - started)
    finally:
        kernel.lock.release()


def _redact(kernel: Kernel, text: str) -> str:
    redact = getattr(kernel, "redact", None)
    return redact(text) if redact is not None else text


def _explain_missing_module(result: TraceResult, shipped: dict[str, str]) -> TraceResult:
    """A remote kernel without a module the file imports: say which, and where it is not."""
    error = result.error
    if error is None or error.type_name != "ModuleNotFoundError":
        return result
    match = re.search(r"No module named '([^']+)'", error.message)
    name = match.group(1) if match else "?"
    message = (f"the remote kernel lacks the module {name!r}: it is not installed there, and "
               f"not a workspace module beside the file ({len(shipped)} sent); install it in "
               f"the gateway's kernel environment ({error.message})")
    return result.with_changes(error=replace(error, message=message))


def _acquire(lock: threading.Lock, cancel: threading.Event | None) -> bool:
    """Wait for the kernel (one trace at a time), giving up when cancelled meanwhile."""
    while not lock.acquire(timeout=0.2):
        if cancel is not None and cancel.is_set():
            return False
    if cancel is not None and cancel.is_set():
        lock.release()
        return False
    return True


_PROBE_MISSING = "LayerlintProbeMissing"


def _install_probe(kernel: Kernel) -> None:
    """Send the probe unless this kernel already has this exact text (a long-lived server
    whose package was upgraded sends the new one). The installer runs in a namespace of its
    own, so the kernel's user namespace gains no name."""
    version, sources = probe_version_and_sources()
    if kernel.state.get("probe") == version:
        return
    installer = f"{_INSTALL}\n_layerlint_install({sources!r}, {version!r})\n"
    code = f"exec({installer!r}, {{}})\n"
    execution = kernel.execute(code, timeout=INSTALL_TIMEOUT_S)
    if execution.status != "ok":
        detail = execution.error or execution.status
        raise KernelStartError(f"could not install the probe in the kernel: {detail}")
    kernel.state["probe"] = version


def _trace_cell(probe_request: dict[str, Any]) -> str:
    """One expression, no name bound; a kernel restarted behind our back (no probe) says so."""
    missing = {RESULT_MIME: {"status": "internal_error", "path": probe_request["path"],
                             "error": {"kind": "internal", "type_name": _PROBE_MISSING,
                                       "message": "the probe is not installed"}}}
    return ("(lambda sys, request: sys.modules['_layerlint_probe'].entry.run_and_publish("
            "request) if '_layerlint_probe' in sys.modules else __import__('IPython.display', "
            f"fromlist=['publish_display_data']).publish_display_data({missing!r}))"
            f"(__import__('sys'), __import__('json').loads({json.dumps(probe_request)!r}))\n")


def _execute_trace(kernel: Kernel, probe_request: dict[str, Any], timeout: float,
                   progress: Progress, cancel: threading.Event | None) -> TraceResult:
    path = probe_request["path"]
    payload: dict[str, Any] = {}

    def on_display(data: dict[str, Any]) -> None:
        if PROGRESS_MIME in data:
            item = data[PROGRESS_MIME]
            progress(str(item.get("message", "")), int(item.get("percent", 0)))
        elif RESULT_MIME in data:
            payload.update(data[RESULT_MIME])

    execution = kernel.execute(_trace_cell(probe_request), timeout=timeout, cancel=cancel,
                               on_display=on_display)
    execution.output = without_framework_logs(execution.output)
    result = TraceResult.from_json(payload) if payload.get("status") else None

    shape_fields = {"target": probe_request["target"], "output": execution.output,
                    **_shape_fields(probe_request)}
    if execution.status == "died":
        code_text = f" with exit code {execution.exit_code}" if execution.exit_code else ""
        if not kernel.owned:
            return failure("crashed", path, "crash",
                           f"the kernel {kernel.label} died{code_text} while tracing (segfault, "
                           "os._exit or out of memory); layerlint does not restart a kernel "
                           "it did not start: restart it where it runs", **shape_fields)
        kernel.restart()
        tail = _last_lines(kernel.log_tail() + execution.output)
        return failure("crashed", path, "crash",
                       f"the kernel died{code_text} while tracing (segfault, os._exit or out "
                       f"of memory); it was restarted.{tail}", **shape_fields)
    where = _interrupted_site(result)
    if execution.status == "timeout":
        if kernel.owned:
            kernel.restart()  # the model may be half-built, the framework in any state
            after = "the kernel was restarted"
        elif execution.settled:
            after = f"the kernel {kernel.label} was interrupted (not restarted: it is not ours)"
        else:
            after = (f"the kernel {kernel.label} was interrupted but is still busy; layerlint "
                     "never restarts a kernel it did not start: interrupt or restart it there")
        return failure("timeout", path, "timeout",
                       f"the trace did not finish in {timeout:g} s{_at(where)}; {after}",
                       site=where, **shape_fields)
    if execution.status == "cancelled":
        busy = ""
        if not execution.settled:
            if kernel.owned:
                kernel.restart()
            else:
                busy = (f"; the kernel {kernel.label} did not stop and is still busy: "
                        "interrupt or restart it there")
        return failure("cancelled", path, "cancelled",
                       f"the trace was cancelled{_at(where)}{busy}", site=where, **shape_fields)
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
    spec = InputSpec.from_json(probe_request["inputs"])
    return {"input_shape": tuple(probe_request["input_shape"]),
            "input_shape_source": probe_request["input_shape_source"],
            "inputs": tuple(ModelInput(item.shape, item.dtype or "float32", item.name)
                            for item in spec.tensors)}


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()][-count:]
    return ("\n" + "\n".join(lines)) if lines else ""


def _ignore_progress(message: str, percent: int) -> None:
    del message, percent


def kernel_choice(settings: Settings, existing: str | None = None, gateway_url: str | None = None,
                  gateway_kernel: str | None = None) -> dict[str, Any]:
    """The TraceRequest fields choosing the kernel: arguments first, then settings."""
    if existing or (not gateway_url and settings.trace_existing_kernel):
        return {"existing": existing or settings.trace_existing_kernel}
    url = gateway_url or settings.trace_gateway_url
    if url:
        return {"gateway": GatewaySettings(
            url=url, token=token_from_environment(settings.trace_gateway_token),
            kernel_name=gateway_kernel or settings.trace_gateway_kernel,
            validate_cert=settings.trace_gateway_validate_cert)}
    return {"memory_limit_mb": settings.trace_memory_limit}
