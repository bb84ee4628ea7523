"""Faults a traced model can throw at the kernel, each reported cleanly and followed by a trace
that works: a memory blow-up (stopped by the kernel's memory limit, so the machine keeps its
memory), `sys.exit`, megabytes of output, a segfault. The infinite loop and `os._exit` are in
test_trace_kernel_lifecycle.py. One kernel, limited to 2.5 GB, serves them all."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest
from trace_test_support import EXAMPLE, MODELS, marked_line

from layerlint.trace.kernel import OUTPUT_LIMIT, TraceKernel
from layerlint.trace.runner import TraceRequest, run_trace

pytestmark = pytest.mark.framework
FAULTS = MODELS / "faults.py"
LIMIT_MB = 2500


@pytest.fixture(scope="module")
def limited_kernel() -> Iterator[TraceKernel]:
    kernel = TraceKernel(sys.executable, memory_limit_mb=LIMIT_MB)
    yield kernel
    kernel.shutdown()


def trace_fault(kernel: TraceKernel, target: str, timeout: float = 120):
    return run_trace(TraceRequest(path=str(FAULTS), target=target, input_shape=(1, 2),
                                  timeout=timeout), kernel=kernel)


def assert_next_trace_works(kernel: TraceKernel) -> None:
    after = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=kernel)
    assert after.status == "error" and after.error.site.line == 21, after.error  # its own bug


def test_memory_blow_up_meets_the_kernels_limit(limited_kernel):
    started = time.perf_counter()
    result = trace_fault(limited_kernel, "Hoards")

    # MemoryError at the line (or, when a framework thread hits the limit first, a dead and
    # restarted kernel): either way the machine's memory was never at risk.
    assert result.status in ("error", "crashed"), result
    if result.status == "error":
        assert result.error.type_name == "MemoryError"
        assert result.error.site.line == marked_line(FAULTS, "hoard")
    assert time.perf_counter() - started < 100
    assert_next_trace_works(limited_kernel)


def test_sys_exit_is_an_error_at_its_line(limited_kernel):
    pid = limited_kernel.pid
    result = trace_fault(limited_kernel, "Exits")

    assert result.status == "error"
    assert result.error.type_name == "SystemExit" and result.error.message == "3"
    assert result.error.site.line == marked_line(FAULTS, "exit")
    assert limited_kernel.pid == pid  # the kernel itself did not exit
    assert_next_trace_works(limited_kernel)


def test_megabytes_of_output_keep_only_a_tail(limited_kernel):
    result = trace_fault(limited_kernel, "Floods")

    assert result.status == "ok", result.error
    assert 0 < len(result.output) <= OUTPUT_LIMIT
    assert result.output.rstrip().endswith("x" * 100)
    assert_next_trace_works(limited_kernel)


def test_segfault_is_reported_and_the_kernel_restarted(limited_kernel):
    limited_kernel.ensure_started()
    pid = limited_kernel.pid
    result = trace_fault(limited_kernel, "Segfaults")

    assert result.status == "crashed"
    assert "the kernel died" in result.error.message and "restarted" in result.error.message
    assert limited_kernel.is_alive() and limited_kernel.pid != pid
    assert_next_trace_works(limited_kernel)
