"""Tracing in a kernel someone else started (`--existing`): the test starts one with
jupyter_client, as a notebook would, gives it a user variable, and traces in it twice through
its connection file. The kernel stays alive (same process), its variables and namespace are as
they were, and a timeout interrupts it without restarting it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from trace_test_support import EXAMPLE, MODELS, marked_line

from layerlint.cli import main
from layerlint.trace.existing_kernel import ExistingKernel
from layerlint.trace.runner import TraceRequest, run_trace

pytestmark = pytest.mark.framework
NAMESPACE = "print('NAMES ' + repr(sorted(n for n in get_ipython().user_ns if not n.startswith('_'))))"


@pytest.fixture(scope="module")
def notebook_kernel(tmp_path_factory) -> Iterator[tuple[object, str]]:
    """A kernel the user started (in their runtime folder), with `x = 41` defined."""
    from jupyter_client import KernelManager

    runtime = tmp_path_factory.mktemp("runtime")
    manager = KernelManager(connection_file=str(runtime / "kernel-usertest.json"))
    manager.start_kernel(extra_arguments=[], stdout=open(os.devnull, "wb"),  # noqa: SIM115
                         stderr=open(os.devnull, "wb"))  # noqa: SIM115
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    client.execute_interactive("x = 41\nimport keras", timeout=120)
    client.stop_channels()
    yield manager, str(runtime)
    manager.shutdown_kernel(now=True)


def run_in(manager, code: str) -> str:
    client = manager.client()
    client.start_channels()
    output = []
    try:
        client.execute_interactive(code, timeout=60, output_hook=lambda message: output.append(
            message["content"].get("text", "")) if message["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
    return "".join(output)


def test_traced_twice_in_the_users_kernel_which_stays_as_it_was(notebook_kernel, monkeypatch):
    manager, runtime = notebook_kernel
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", runtime)
    pid = manager.provisioner.process.pid
    names_before = run_in(manager, NAMESPACE)
    kernel = ExistingKernel("kernel-usertest.json")  # a bare name: found in the runtime folder
    try:
        first = run_trace(TraceRequest(path=str(EXAMPLE), existing="kernel-usertest.json"),
                          kernel=kernel)
        second = run_trace(TraceRequest(path=str(EXAMPLE), existing="kernel-usertest.json"),
                           kernel=kernel)
    finally:
        kernel.shutdown()  # disconnects only

    assert kernel.connection_file == os.path.join(runtime, "kernel-usertest.json")
    assert (first.status, second.status) == ("error", "error")  # the example's own crash
    assert first.error.site.line == second.error.site.line == 21
    assert not first.kernel_reused and second.kernel_reused
    assert manager.is_alive() and manager.provisioner.process.pid == pid
    assert run_in(manager, "print(x + 1)").strip() == "42"
    assert run_in(manager, NAMESPACE) == names_before


def test_cli_existing_flag_and_a_timeout_interrupts_without_restarting(notebook_kernel, capsys):
    manager, runtime = notebook_kernel
    pid = manager.provisioner.process.pid
    connection = os.path.join(runtime, "kernel-usertest.json")
    code = main(["trace", f"{MODELS / 'runaway.py'}:Sleeps", "--input-shape", "1,2",
                 "--existing", connection, "--timeout", "3", "--format", "json"])
    data = json.loads(capsys.readouterr().out)

    assert code == 1 and data["status"] == "timeout"
    assert "was interrupted (not restarted" in data["error"]["message"]
    assert data["error"]["site"]["line"] == marked_line(MODELS / "runaway.py", "sleep")
    assert manager.is_alive() and manager.provisioner.process.pid == pid  # never restarted
    assert run_in(manager, "print(x)").strip() == "41"


def test_a_missing_connection_file_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    code = main(["trace", str(EXAMPLE), "--existing", "kernel-nothere.json"])
    assert code == 2
    assert "no kernel connection file 'kernel-nothere.json'" in capsys.readouterr().err



def test_a_dying_existing_kernel_is_reported_never_restarted(notebook_kernel):
    """Last in this module: it ends the user's kernel (os._exit in the model)."""
    manager, runtime = notebook_kernel
    connection = os.path.join(runtime, "kernel-usertest.json")
    kernel = ExistingKernel(connection)
    try:
        result = run_trace(TraceRequest(path=str(MODELS / "runaway.py"), target="Exits",
                                        input_shape=(1, 2), existing=connection), kernel=kernel)
        assert result.status == "crashed"
        assert "does not restart a kernel it did not start" in result.error.message
        assert not manager.is_alive()  # nobody started it again
        after = run_trace(TraceRequest(path=str(EXAMPLE), existing=connection), kernel=kernel)
    finally:
        kernel.shutdown()
    assert after.status == "internal_error"
    assert "does not answer" in after.error.message and "never starts or restarts" in \
        after.error.message
