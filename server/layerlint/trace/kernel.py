"""The trace kernel: a Jupyter kernel (jupyter_client + ipykernel) in the project's interpreter,
kept warm between traces so the second one does not pay TensorFlow's import again.

This module knows nothing about layers: it starts the process, runs code with a deadline and
a cancel flag, watches for the process dying, interrupts and restarts it. `Kernel` holds what
every kind of kernel shares (the execute loop over Jupyter messages); `TraceKernel` is the
local one layerlint starts and owns, `existing_kernel` and `gateway_kernel` the others.

The local kernel's own stdout/stderr (TensorFlow's and absl's start-up lines, ipykernel's
warnings) go to a log file, never to ours: the language server speaks LSP on stdout. It talks
over IPC sockets where the platform has them (no TCP port open to other local users), and its
connection file and sockets live in a folder only the user can read. jupyter_client is
imported on the first start, not when the server loads this module.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jupyter_client import KernelManager

POLL_S = 0.1
START_TIMEOUT_S = 60.0
INTERRUPT_GRACE_S = 5.0
OUTPUT_LIMIT = 4000
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # Belt and braces with the probe's set_memory_growth: never reserve the whole GPU.
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    "PYTHONUNBUFFERED": "1",
}


LAUNCH = (
    "import sys, runpy\n"
    "limit = int(sys.argv.pop(1))\n"
    "if limit > 0:\n"
    "    try:\n"
    "        import resource\n"
    "        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
    "    except (ImportError, ValueError, OSError):\n"
    "        pass\n"
    "sys.argv[0] = 'ipykernel_launcher'\n"
    "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)\n"
)
"""The kernel's launcher: its data-segment limit first (RLIMIT_DATA counts heap and private
writable mappings, not the address space CUDA reserves), then ipykernel as `-m` would run it.
A model that allocates without bound meets MemoryError (or dies and is restarted); the
machine keeps its memory."""

DEFAULT_MEMORY_SHARE = 0.75
"""Of the machine's physical memory, when no `trace-memory-limit` is set."""


def default_memory_limit_mb() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0
    return int(total * DEFAULT_MEMORY_SHARE) // (1024 * 1024)


class KernelStartError(RuntimeError):
    """The interpreter could not start an ipykernel (missing, or ipykernel not installed)."""


@dataclass
class Execution:
    """What one `execute` produced."""

    status: str
    """`ok`, `error` (an uncaught exception in the code), `timeout`, `cancelled`, `died`."""
    settled: bool = True
    """After an interrupt: whether the kernel went back to idle (else it must restart)."""
    output: str = ""
    error: dict[str, Any] | None = None
    exit_code: int | None = None
    elapsed_s: float = 0.0
    displays: list[dict[str, Any]] = field(default_factory=list)


class Kernel(ABC):
    """What the runner needs of a kernel; use from one thread at a time (hold `lock`).

    Subclasses say how to send an execute request, read the next IOPub message, tell whether
    the kernel is alive, interrupt, and (for kernels layerlint started) restart it.
    """

    owned = True
    """layerlint started it: it may restart it and leave the probe's hooks installed."""
    remote = False
    """Its file system is not ours: the model's source and sibling modules travel with it."""

    def __init__(self, label: str) -> None:
        self.label = label
        """How messages name it: the interpreter, the connection file, the gateway."""
        self.lock = threading.Lock()
        self.executions = 0
        """Executions since the last (re)start: >0 means warm."""
        self.state: dict[str, Any] = {}
        """Facts about what is loaded in the kernel (the probe version), reset on restart."""

    @property
    def python(self) -> str:
        return self.label

    # -- what each kind provides ------------------------------------------------------------

    @abstractmethod
    def is_alive(self) -> bool:
        """Whether the kernel process answers (or, for a remote one, is known to run)."""

    @abstractmethod
    def ensure_started(self) -> bool:
        """Start or connect if needed; True when it was already running (warm)."""

    @abstractmethod
    def interrupt(self) -> None:
        """Interrupt the running execution (SIGINT or the control channel)."""

    @abstractmethod
    def restart(self) -> None:
        """Restart the kernel (only kernels layerlint owns are ever restarted)."""

    @abstractmethod
    def shutdown(self) -> None:
        """Stop the kernel, or just disconnect from one layerlint does not own."""

    def log_tail(self, limit: int = 2000) -> str:
        del limit
        return ""

    def log_path(self) -> str | None:
        return None

    @abstractmethod
    def _send_execute(self, code: str) -> str:
        """Send an execute request; its message id."""

    @abstractmethod
    def _next_iopub(self, timeout: float) -> dict[str, Any] | None:
        """The next IOPub message, or None when none came within `timeout` seconds."""

    def _exit_code(self) -> int | None:
        return None

    # -- shared -------------------------------------------------------------------------------

    def execute(self, code: str, timeout: float, cancel: threading.Event | None = None,
                on_display: Callable[[dict[str, Any]], None] | None = None) -> Execution:
        """Run `code`; on timeout or cancel, interrupt and wait a grace period for idle."""
        self._drain()
        started = time.perf_counter()
        deadline = started + timeout
        msg_id = self._send_execute(code)
        self.executions += 1
        execution = Execution(status="ok")
        stopping: str | None = None
        while True:
            if not self.is_alive():
                execution.status, execution.settled = "died", False
                execution.exit_code = self._exit_code()
                break
            now = time.perf_counter()
            if stopping is None and (now > deadline or (cancel is not None and cancel.is_set())):
                stopping = "timeout" if now > deadline else "cancelled"
                self.interrupt()
                deadline = now + INTERRUPT_GRACE_S
            elif stopping is not None and now > deadline:
                execution.settled = False  # ignored the interrupt: only a restart stops it
                break
            message = self._next_iopub(POLL_S)
            if message is None:
                continue
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if self._handle(message, execution, on_display):
                break
        if stopping is not None:
            execution.status = stopping
        execution.elapsed_s = time.perf_counter() - started
        execution.output = execution.output[-OUTPUT_LIMIT:]
        return execution

    def _handle(self, message: dict[str, Any], execution: Execution,
                on_display: Callable[[dict[str, Any]], None] | None) -> bool:
        kind = message["msg_type"]
        content = message["content"]
        if kind == "stream":
            execution.output = (execution.output + content.get("text", ""))[-OUTPUT_LIMIT * 2:]
        elif kind in ("display_data", "execute_result"):
            execution.displays.append(content.get("data", {}))
            if on_display is not None:
                on_display(content.get("data", {}))
        elif kind == "error":
            execution.status = "error"
            execution.error = {"ename": content.get("ename"), "evalue": content.get("evalue"),
                               "traceback": content.get("traceback", [])}
        elif kind == "status" and content.get("execution_state") == "idle":
            return True
        return False

    def _drain(self) -> None:
        while self._next_iopub(0) is not None:
            pass


class ClientKernel(Kernel):
    """A kernel driven through a jupyter_client client: the local kernel and an existing one."""

    _client: Any = None

    def _send_execute(self, code: str) -> str:
        assert self._client is not None, "no connection to the kernel"
        return self._client.execute(code, silent=False, store_history=False, allow_stdin=False)

    def _next_iopub(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None


class TraceKernel(ClientKernel):
    """The local kernel layerlint starts in the project's interpreter, and owns."""

    def __init__(self, python: str, memory_limit_mb: int | None = None) -> None:
        super().__init__(python)
        self.memory_limit_mb = (default_memory_limit_mb() if memory_limit_mb is None
                                else memory_limit_mb)
        """The kernel process' data limit (0: none)."""
        self._manager: KernelManager | None = None
        self._client: Any = None
        self._folder = tempfile.mkdtemp(prefix="layerlint-kernel-")  # mode 0700
        self._log_path = os.path.join(self._folder, "kernel.log")

    @property
    def started(self) -> bool:
        return self._manager is not None and self._manager.has_kernel

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self._manager, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def is_alive(self) -> bool:
        manager = self._manager
        return self.started and manager is not None and bool(manager.is_alive())

    def start(self) -> None:
        if not os.path.exists(self.python) and not _on_path(self.python):
            raise KernelStartError(f"interpreter not found: {self.python}")
        # Imported here: jupyter_client and zmq cost the language server ~0.3 s at start.
        try:
            from jupyter_client import KernelManager
            from jupyter_client.kernelspec import KernelSpec
        except ImportError as error:
            raise KernelStartError(
                "the shape trace needs jupyter_client and ipykernel beside layerlint: "
                f"`{sys.executable} -m pip install 'layerlint[trace]'` ({error})"
            ) from error

        transport = "ipc" if os.name == "posix" else "tcp"
        manager = KernelManager(transport=transport,
                                connection_file=os.path.join(self._folder, "kernel.json"))
        # jupyter_client has no public way to pass an argv without a kernelspec on disk.
        manager._kernel_spec = KernelSpec(
            argv=[self.python, "-c", LAUNCH, str(self.memory_limit_mb * 1024 * 1024),
                  "-f", "{connection_file}"],
            display_name="layerlint trace", language="python", interrupt_mode="signal",
            env={**KERNEL_ENV, **{k: v for k, v in os.environ.items() if k in KERNEL_ENV}},
        )
        log = open(self._log_path, "ab")  # noqa: SIM115 - the kernel process keeps it open
        try:
            manager.start_kernel(stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except Exception as error:
            message = f"could not start a kernel with {self.python}: {error}"
            raise KernelStartError(message) from error
        finally:
            log.close()
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=START_TIMEOUT_S)
        except RuntimeError as error:
            client.stop_channels()
            with contextlib.suppress(Exception):
                manager.shutdown_kernel(now=True)
            raise KernelStartError(
                f"the kernel did not start with {self.python} ({error}); is ipykernel "
                f"installed there? `{self.python} -m pip install ipykernel`\n{self.log_tail()}"
            ) from error
        self._manager, self._client = manager, client
        self.executions = 0
        self.state = {}

    def ensure_started(self) -> bool:
        """Start the kernel if needed; True when it was already running (warm)."""
        if self.is_alive():
            return True
        if self.started:
            self.restart()
        else:
            self.start()
        return False

    def interrupt(self) -> None:
        manager = self._manager
        if manager is not None and self.is_alive():
            with contextlib.suppress(Exception):
                manager.interrupt_kernel()

    def restart(self) -> None:
        """A fresh process (after a timeout or a crash); the next trace imports TF again."""
        if self._manager is None:
            self.start()
            return
        try:
            self._manager.restart_kernel(now=True)
            self._client.wait_for_ready(timeout=START_TIMEOUT_S)
        except Exception:  # the restart itself failed: start from scratch
            self.shutdown()
            self.start()
            return
        self.executions = 0
        self.state = {}

    def shutdown(self) -> None:
        client, manager = self._client, self._manager
        self._client = self._manager = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.stop_channels()
        if manager is not None:
            with contextlib.suppress(Exception):
                manager.shutdown_kernel(now=True)

    def log_tail(self, limit: int = 2000) -> str:
        """The end of the kernel's own stderr (a segfault's message, TF's last log lines)."""
        try:
            with open(self._log_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - limit))
                return handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def log_path(self) -> str | None:
        return self._log_path

    def _exit_code(self) -> int | None:
        provisioner = getattr(self._manager, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "returncode", None)


_KERNELS: dict[str, Kernel] = {}
_KERNELS_LOCK = threading.Lock()


def warm_kernel(python: str | None = None, memory_limit_mb: int | None = None) -> TraceKernel:
    """The shared kernel for an interpreter (created, not started: the runner starts it)."""
    python = python or sys.executable
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(python)
        if not isinstance(kernel, TraceKernel):  # None: the first trace with this interpreter
            kernel = _KERNELS[python] = TraceKernel(python, memory_limit_mb)
        return kernel


def register(key: str, create: Callable[[], Kernel]) -> Kernel:
    """The shared kernel under `key` (existing and gateway kernels), created on first use."""
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(key)
        if kernel is None:
            kernel = _KERNELS[key] = create()
        return kernel


def shutdown_all() -> None:
    with _KERNELS_LOCK:
        kernels = list(_KERNELS.values())
        _KERNELS.clear()
    for kernel in kernels:
        kernel.shutdown()


def _on_path(program: str) -> bool:
    from shutil import which

    return which(program) is not None


atexit.register(shutdown_all)
