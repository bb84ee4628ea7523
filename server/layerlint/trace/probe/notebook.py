"""The probe in a notebook's own kernel: run one cell again with every layer call recorded.

JupyterLab's "Trace shapes" (layerlint's labextension) sends the probe to the notebook's
running kernel, then calls `trace_cell` with the cell's source. The cell runs through IPython
(`run_cell`, its magics included, out of the history) with the hooks installed: an eager call
of a layer or model anywhere in the user's code is recorded at its line, and a functional-API
construction notes its call lines. When the cell only built functional models, each new one
runs once on zeros of its own input shapes (batch 1), so its shapes land on the lines that
built it. The result is published as display data (`entry.RESULT_MIME`) with the source of
every cell file a site points at, so the client finds the cells by their text.
Nothing runs unless the user clicked; the cell's own side effects are those of running it.
"""

from __future__ import annotations

import linecache
import time
from typing import Any

from . import devices, hooks
from .entry import RESULT_MIME, _error_result, _trace_forward
from .recorder import Recorder, module_names


def trace_cell(source: str, device: str = "auto") -> None:
    """Run `source` in the kernel's IPython with recording on and publish the trace."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    result = _trace(get_ipython(), source, device)
    paths = {call["site"]["path"] for call in result.get("calls", []) if call.get("site")}
    site = (result.get("error") or {}).get("site")
    if site:
        paths.add(site["path"])
    result["sources"] = {path: "".join(linecache.getlines(path)) for path in sorted(paths)}
    publish_display_data({RESULT_MIME: result})


def _trace(ipython: Any, source: str, device: str) -> dict[str, Any]:
    started = time.perf_counter()
    base: dict[str, Any] = {"path": "", "target": "cell", "input_shape": [],
                            "input_shape_source": "notebook"}
    known = {id(value) for value in ipython.user_ns.values()}
    recorder = Recorder(user_file=None)
    with hooks.installed(recorder):
        recorder.recording = True
        try:
            outcome = ipython.run_cell(source, store_history=False)
        finally:
            recorder.recording = False
        error = outcome.error_before_exec or outcome.error_in_exec
        if error is not None:
            return _error_result(base, "forward", error, recorder, started)
        if recorder.calls:
            calls = recorder.calls_json({})
            return {**base, "status": "ok", "calls": calls, "elapsed_s": time.perf_counter() - started}
        built = [value for value in ipython.user_ns.values()
                 if id(value) not in known and _functional_model(value)]
        if not built:
            return {**base, "status": "ok", "calls": [], "elapsed_s": time.perf_counter() - started}
        model = built[-1]
        shapes = [[1 if size is None else int(size) for size in tensor.shape]
                  for tensor in model.inputs]
        request = {"input_shape": shapes[0]} if len(shapes) == 1 else {"inputs": {
            "structure": "several", "tensors": [{"shape": shape} for shape in shapes]}}
        base.update(target=getattr(model, "name", None) or type(model).__name__,
                    input_shape=shapes[0])
        try:
            selected = devices.select_device(device)
        except (RuntimeError, ValueError) as problem:
            return _error_result(base, "build", problem, recorder, started)
        traced = _trace_forward(base, model, request, selected, recorder, started)
        traced["calls"] = recorder.calls_json(module_names(model))
        return traced


def _functional_model(value: Any) -> bool:
    """A Keras model built with the functional API (it knows its own input shapes)."""
    inputs = getattr(value, "inputs", None)
    return (devices.is_model(value) and devices.framework_of(value) in ("keras", "tf_keras")
            and isinstance(inputs, (list, tuple)) and bool(inputs)
            and all(getattr(tensor, "shape", None) is not None for tensor in inputs))
