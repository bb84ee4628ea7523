"""The warm kernel's life: reuse makes the second trace fast, a cancel interrupts the run and
keeps the kernel, a timeout interrupts and restarts it, a dying kernel is restarted. These
tests own their kernel (they restart it), apart from the session's shared one."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from trace_test_support import EXAMPLE, MODELS, marked_line

from layerlint.trace.kernel import TraceKernel
from layerlint.trace.runner import TraceRequest, run_trace

pytestmark = pytest.mark.framework
RUNAWAY = MODELS / "runaway.py"


@pytest.fixture(scope="module")
def own_kernel() -> Iterator[TraceKernel]:
    kernel = TraceKernel(sys.executable)
    yield kernel
    kernel.shutdown()


def import_keras(kernel: TraceKernel) -> None:
    """Pay TensorFlow's import up front, so a short timeout measures the model, not it."""
    kernel.ensure_started()
    assert kernel.execute("import keras", timeout=120).status == "ok"


def test_second_trace_reuses_the_warm_kernel(own_kernel):
    cold = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=own_kernel)
    warm = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=own_kernel)

    assert (cold.status, warm.status) == ("error", "error")  # the example's crash, both times
    assert not cold.kernel_reused and warm.kernel_reused
    assert warm.error.site.line == cold.error.site.line
    # The cold run starts a kernel and imports TensorFlow; the warm one does neither.
    assert warm.elapsed_s < 0.6 * cold.elapsed_s, (cold.elapsed_s, warm.elapsed_s)


def test_cancel_interrupts_the_run_and_keeps_the_kernel(own_kernel):
    import_keras(own_kernel)
    pid = own_kernel.pid
    running = threading.Event()
    cancel = threading.Event()
    outcome = {}

    def on_progress(message: str, percent: int) -> None:
        if "forward pass" in message:
            running.set()

    def work() -> None:
        request = TraceRequest(path=str(RUNAWAY), target="Sleeps", input_shape=(1, 2))
        outcome["result"] = run_trace(request, on_progress, cancel, kernel=own_kernel)

    worker = threading.Thread(target=work)
    worker.start()
    assert running.wait(60), "the forward pass never started"
    time.sleep(0.5)
    cancelled_at = time.perf_counter()
    cancel.set()
    worker.join(30)

    assert not worker.is_alive()
    assert time.perf_counter() - cancelled_at < 5
    result = outcome["result"]
    assert result.status == "cancelled"
    assert result.error.site.line == marked_line(RUNAWAY, "sleep")
    assert own_kernel.is_alive() and own_kernel.pid == pid  # interrupted, not restarted
    after = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=own_kernel)
    assert after.kernel_reused and after.status == "error"


def test_timeout_interrupts_then_restarts_the_kernel(own_kernel):
    import_keras(own_kernel)
    pid = own_kernel.pid
    request = TraceRequest(path=str(RUNAWAY), target="Spins", input_shape=(1, 2), timeout=3)
    started = time.perf_counter()
    result = run_trace(request, kernel=own_kernel)

    assert result.status == "timeout"
    assert result.error.kind == "timeout" and "3 s" in result.error.message
    # Where the interrupt found the loop: its `while` line or the line inside it.
    assert result.error.site.line in (marked_line(RUNAWAY, "spin"), marked_line(RUNAWAY, "spin") + 1)
    assert time.perf_counter() - started < 40
    assert own_kernel.is_alive() and own_kernel.pid != pid


def test_a_dying_kernel_is_restarted(own_kernel):
    import_keras(own_kernel)
    pid = own_kernel.pid
    request = TraceRequest(path=str(RUNAWAY), target="Exits", input_shape=(1, 2))
    result = run_trace(request, kernel=own_kernel)

    assert result.status == "crashed"
    assert "exit code 1" in result.error.message
    assert own_kernel.is_alive() and own_kernel.pid not in (None, pid)
    assert own_kernel.execute("print(6 * 7)", timeout=30).output.strip() == "42"


@pytest.mark.skipif(os.name != "posix", reason="IPC transport and file modes are POSIX")
def test_the_kernel_is_private_to_the_user(own_kernel):
    """IPC sockets (no TCP port other local users could reach), in a folder only the user
    can enter, with a connection file only the user can read."""
    own_kernel.ensure_started()
    connection = own_kernel._manager.connection_file
    info = json.loads(Path(connection).read_text())

    assert info["transport"] == "ipc"
    assert stat.S_IMODE(os.stat(connection).st_mode) == 0o600
    assert os.stat(os.path.dirname(connection)).st_mode & 0o777 == 0o700  # (+ sticky bit)
    assert os.path.dirname(info["ip"]) == os.path.dirname(connection)


def test_missing_jupyter_client_says_how_to_install_it(monkeypatch):
    """A bare `pip install layerlint` has no jupyter_client: the trace says what to install."""
    from layerlint.trace.kernel import KernelStartError

    monkeypatch.setitem(sys.modules, "jupyter_client", None)  # makes the import fail
    with pytest.raises(KernelStartError, match=r"pip install 'layerlint\[trace\]'"):
        TraceKernel(sys.executable).start()
