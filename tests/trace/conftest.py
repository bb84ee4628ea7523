"""Shared pieces of the shape-trace tests: one warm kernel for the whole session (TensorFlow is
imported once) and `run_direct`, which runs plain code in that same kernel so
a trace can be compared with the model run without the probe.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from layerlint.trace.kernel import TraceKernel

DIRECT_MARK = "LAYERLINT-DIRECT "


@pytest.fixture(scope="session")
def kernel() -> Iterator[TraceKernel]:
    warm = TraceKernel(sys.executable)
    warm.start()
    yield warm
    warm.shutdown()


@pytest.fixture(scope="session")
def run_direct(kernel: TraceKernel) -> Callable[[str, Path], Any]:
    """Run `code` in the kernel with the model file imported as `m`; it must set `result`."""

    def run(code: str, model_file: Path) -> Any:
        wrapped = "\n".join([
            "import importlib.util, json",
            f"_spec = importlib.util.spec_from_file_location('direct_model', {str(model_file)!r})",
            "m = importlib.util.module_from_spec(_spec)",
            "_spec.loader.exec_module(m)",
            code,
            f"print({DIRECT_MARK!r} + json.dumps(result))",
        ])
        with kernel.lock:
            execution = kernel.execute(wrapped, timeout=120)
        assert execution.status == "ok", execution.error
        line = next(line for line in execution.output.splitlines()
                    if line.startswith(DIRECT_MARK))
        return json.loads(line[len(DIRECT_MARK):])

    return run
