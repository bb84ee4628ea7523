"""A kernel someone else started (`layerlint trace --existing kernel-1234.json`, the
`trace-existing-kernel` setting): the probe runs in it, as `jupyter console --existing` would
run a cell, and layerlint never restarts or shuts it down.

The connection file is found as Jupyter finds it: a path, or a bare name (or glob) looked up
in the current folder and Jupyter's runtime folder (`jupyter --runtime-dir`). Liveness comes
from the heartbeat channel; a timeout or cancel sends an `interrupt_request` on the control
channel (no process id is needed: the kernel interrupts itself). A kernel that ignores the
interrupt stays busy and the user is told to interrupt or restart it themselves; a kernel that
dies is reported, never replaced.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from layerlint.trace.kernel import START_TIMEOUT_S, ClientKernel, KernelStartError

HEARTBEAT_GRACE_S = 5.0
"""How long the heartbeat may be silent before the kernel counts as dead (a kernel busy in C
code still answers heartbeats: they run on their own thread)."""


def find_connection_file(name: str) -> str:
    """The absolute path of a connection file given as `jupyter console --existing` takes it."""
    try:
        from jupyter_client.connect import find_connection_file as find
    except ImportError as error:
        raise KernelStartError(
            "tracing in an existing kernel needs jupyter_client beside layerlint: "
            f"`{sys.executable} -m pip install 'layerlint[trace]'` ({error})") from error
    try:
        return find(name)
    except OSError as error:
        from jupyter_core.paths import jupyter_runtime_dir

        raise KernelStartError(
            f"no kernel connection file {name!r} in the current folder or in Jupyter's "
            f"runtime folder {jupyter_runtime_dir()} (a running notebook shows its kernel's "
            "with `%connect_info`)") from error


class ExistingKernel(ClientKernel):
    """A running kernel reached through its connection file; never restarted by layerlint."""

    owned = False

    def __init__(self, connection_file: str) -> None:
        super().__init__(connection_file)
        self.connection_file = connection_file
        self._client: Any = None
        self._silent_since: float | None = None
        self.died = False

    def ensure_started(self) -> bool:
        if self._client is not None and self.is_alive():
            return True
        self.shutdown()  # reconnect: its owner may have restarted it (same connection file)
        self._connect()
        return False

    def _connect(self) -> None:
        path = find_connection_file(self.connection_file)
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=path)
        try:
            client.load_connection_file()
        except (OSError, ValueError, KeyError) as error:
            raise KernelStartError(f"cannot read the connection file {path}: {error}") from error
        client.start_channels()
        try:
            client.wait_for_ready(timeout=min(START_TIMEOUT_S, 30.0))
        except RuntimeError as error:
            client.stop_channels()
            raise KernelStartError(
                f"the kernel of {path} does not answer ({error}): is it still running? "
                "layerlint never starts or restarts a kernel it did not start") from error
        self.connection_file, self._client = path, client
        self.label = path
        self.executions = 0
        self.state = {}
        self._silent_since = None
        self.died = False

    def is_alive(self) -> bool:
        if self._client is None or self.died:
            return False
        if self._client.hb_channel.is_beating():
            self._silent_since = None
            return True
        now = time.monotonic()
        if self._silent_since is None:
            self._silent_since = now
        if now - self._silent_since > HEARTBEAT_GRACE_S:
            self.died = True
            return False
        return True

    def interrupt(self) -> None:
        if self._client is None:
            return
        with contextlib.suppress(Exception):
            message = self._client.session.msg("interrupt_request", {})
            self._client.control_channel.send(message)

    def restart(self) -> None:
        """Never: it is the user's kernel. The runner reports what happened instead."""

    def shutdown(self) -> None:
        """Disconnect; the kernel itself keeps running."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.stop_channels()

