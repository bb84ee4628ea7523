"""Tracing through a real Jupyter Kernel Gateway (`jupyter kernelgateway`, PyPI
jupyter_kernel_gateway) that the test starts on 127.0.0.1 with a token: a trace through it
(the model's sibling module travels with it), a clear error for a wrong token and for a module
the remote kernel lacks, a kernel killed under the gateway reported and the next trace
working, and the token nowhere in any output or log."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from trace_test_support import EXAMPLE, MODELS, marked_line

from layerlint.cli import main
from layerlint.trace.gateway_kernel import GatewayError, GatewayKernel, GatewaySettings
from layerlint.trace.runner import TraceRequest, run_trace

pytest.importorskip("kernel_gateway", reason="jupyter_kernel_gateway is not installed")
pytest.importorskip("websocket", reason="websocket-client is not installed")
pytestmark = pytest.mark.framework
TOKEN = "kg-secret-" + os.urandom(8).hex()

MODEL = '''"""A model that imports a sibling module of the workspace."""
import keras
from blocks import conv_block


# layerlint: input-shape=1,16,16,3
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = conv_block(4)
        self.head = keras.layers.Dense(2)

    def call(self, x):
        return self.head(keras.ops.mean(self.block(x), axis=(1, 2)))  # mark: head
'''
BLOCKS = '''import keras


def conv_block(filters):
    return keras.Sequential([keras.layers.Conv2D(filters, 3), keras.layers.ReLU()])
'''
LACKS = '''import keras
import layerlint_not_installed_anywhere  # mark: import


class Net(keras.Model):
    def call(self, x):
        return x
'''


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("gateway")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "gateway.log"
    env = {**os.environ, "KG_AUTH_TOKEN": TOKEN, "TF_CPP_MIN_LOG_LEVEL": "3"}
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "kernel_gateway", "--KernelGatewayApp.ip=127.0.0.1",
             f"--KernelGatewayApp.port={port}", "--KernelGatewayApp.log_level=DEBUG"],
            stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"{url}/api", headers={
                "Authorization": f"token {TOKEN}"})
            with urllib.request.urlopen(request, timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the gateway did not start:\n{log.read_text()}")
    yield url, log
    process.send_signal(signal.SIGINT)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
    assert TOKEN not in log.read_text(errors="replace")  # nothing of the token in its log


@pytest.fixture(scope="module")
def remote(gateway) -> Iterator[GatewayKernel]:
    kernel = GatewayKernel(GatewaySettings(url=gateway[0], token=TOKEN))
    yield kernel
    kernel.shutdown()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workspace")
    (folder / "net.py").write_text(MODEL)
    (folder / "blocks.py").write_text(BLOCKS)
    (folder / "lacks.py").write_text(LACKS)
    return folder


def test_cli_traces_through_the_gateway_with_the_token_from_the_environment(
        gateway, workspace, monkeypatch, capsys):
    monkeypatch.setenv("LAYERLINT_GATEWAY_TOKEN", TOKEN)
    code = main(["trace", str(workspace / "net.py"), "--gateway-url", gateway[0],
                 "--format", "json", "--verbose"])
    captured = capsys.readouterr()
    data = json.loads(captured.out)

    assert code == 0, data
    assert data["status"] == "ok" and data["device"] == "CPU:0"
    sites = {(item["class_name"], item["site"]["path"], item["site"]["line"])
             for item in data["calls"] if item["site"]}
    net = str(workspace / "net.py")
    assert ("Dense", net, marked_line(workspace / "net.py", "head")) in sites
    # The sibling module ran from the copy sent along; its sites name the workspace file.
    assert any(path == str(workspace / "blocks.py") for _, path, _ in sites)
    assert TOKEN not in captured.out + captured.err


def test_wrong_token_is_a_clear_error_without_the_token(gateway, workspace, monkeypatch, capsys):
    wrong = "not-the-token-" + os.urandom(4).hex()
    monkeypatch.setenv("LAYERLINT_GATEWAY_TOKEN", wrong)
    code = main(["trace", str(workspace / "net.py"), "--gateway-url", gateway[0]])
    captured = capsys.readouterr()

    assert code == 2
    assert re.search(r"answered HTTP 40[13] \(the token was refused\)", captured.err)
    assert "LAYERLINT_GATEWAY_TOKEN" in captured.err
    assert wrong not in captured.out + captured.err and TOKEN not in captured.out + captured.err
    with pytest.raises(GatewayError, match=r"HTTP 40[13]"):
        GatewayKernel(GatewaySettings(url=gateway[0], token=wrong)).start()


def test_a_module_the_remote_kernel_lacks_is_named(remote, workspace):
    result = run_trace(TraceRequest(path=str(workspace / "lacks.py"), input_shape=(1, 2)),
                       kernel=remote)

    assert result.status == "error"
    assert "the remote kernel lacks the module 'layerlint_not_installed_anywhere'" in \
        result.error.message
    assert result.error.site.line == marked_line(workspace / "lacks.py", "import")


def test_a_kernel_killed_under_the_gateway_is_reported_and_the_next_trace_works(remote):
    first = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=remote)
    assert first.status == "error" and first.error.site.line == 21
    with remote.lock:
        output = remote.execute("import os; print(os.getpid())", timeout=30).output
    pid = int(output.strip())
    running = threading.Event()
    outcome = {}

    def work() -> None:
        request = TraceRequest(path=str(MODELS / "runaway.py"), target="Sleeps",
                               input_shape=(1, 2), timeout=120)
        outcome["result"] = run_trace(
            request, lambda message, _: running.set() if "forward" in message else None,
            kernel=remote)

    worker = threading.Thread(target=work)
    worker.start()
    assert running.wait(60)
    os.kill(pid, signal.SIGKILL)
    worker.join(90)

    assert not worker.is_alive()
    result = outcome["result"]
    assert result.status == "crashed", result.error
    assert "the kernel died" in result.error.message and "restarted" in result.error.message
    after = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=remote)
    assert after.status == "error" and after.error.site.line == 21  # the example's own error
    with remote.lock:
        new_pid = int(remote.execute("import os; print(os.getpid())", timeout=30).output)
    assert new_pid != pid


def test_a_timeout_interrupts_then_restarts_the_gateway_kernel(remote):
    first = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=remote)  # warm: TF imported
    assert first.status == "error"
    kernel_id = remote.kernel_id
    request = TraceRequest(path=str(MODELS / "runaway.py"), target="Sleeps", input_shape=(1, 2),
                           timeout=3)
    result = run_trace(request, kernel=remote)

    assert result.status == "timeout"
    assert "did not finish in 3 s" in result.error.message
    assert "the kernel was restarted" in result.error.message
    assert result.error.site.line == marked_line(MODELS / "runaway.py", "sleep")
    after = run_trace(TraceRequest(path=str(EXAMPLE)), kernel=remote)
    assert after.status == "error" and after.error.site.line == 21
    assert remote.kernel_id == kernel_id  # restarted through the gateway, not replaced
