"""A minimal LSP client over a server's stdio, the same one for every server benchmarked.

It owns one server process: sends requests and notifications, answers the server's own
requests with empty results (the benchmark declares no capability that needs real answers),
and records every `textDocument/publishDiagnostics` with the monotonic time its bytes were read,
so latency is measured at the pipe, not after Python got round to looking.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bench.lsp_framing import FrameDecoder, encode

READ_CHUNK = 1 << 16


class ServerExited(RuntimeError):
    """The server closed its stdout (crashed or exited) while the client waited on it."""


@dataclass(frozen=True)
class Publish:
    uri: str
    version: int | None
    received_ns: int
    diagnostics: list[dict[str, Any]]


class LspClient:
    """One connection. State (pending requests, received publishes) makes this a class."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.publishes: list[Publish] = []
        self._decoder = FrameDecoder()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._new_publish = asyncio.Event()
        self._closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read_loop())

    @classmethod
    async def start(cls, command: list[str], cwd: Path, stderr: BinaryIO | None) -> LspClient:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return cls(process)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read_loop(self) -> None:
        assert self.process.stdout is not None
        try:
            while chunk := await self.process.stdout.read(READ_CHUNK):
                received_ns = time.perf_counter_ns()
                for message in self._decoder.feed(chunk):
                    self._dispatch(message, received_ns)
        finally:
            self._closed.set()
            self._new_publish.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ServerExited("server closed its output"))

    def _dispatch(self, message: dict[str, Any], received_ns: int) -> None:
        if "id" in message and "method" in message:
            self._answer_server_request(message)
        elif "id" in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(f"LSP error: {message['error']}"))
                else:
                    future.set_result(message.get("result"))
        elif message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.publishes.append(
                Publish(params["uri"], params.get("version"), received_ns, params["diagnostics"])
            )
            self._new_publish.set()

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        # workspace/configuration wants one entry per item; null means "no settings here".
        if message["method"] == "workspace/configuration":
            result: Any = [None] * len(message["params"]["items"])
        else:
            result = None  # registerCapability, workDoneProgress/create, ...
        self._write({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _write(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(encode(message))

    async def request(self, method: str, params: Any, timeout: float) -> Any:
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        await self._drain()
        return await asyncio.wait_for(future, timeout)

    async def notify(self, method: str, params: Any) -> int:
        """Sends a notification; returns the monotonic time (ns) just before it was written."""
        sent_ns = time.perf_counter_ns()
        self._write({"jsonrpc": "2.0", "method": method, "params": params})
        await self._drain()
        return sent_ns

    async def _drain(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.drain()

    async def wait_for_diagnostics(
        self, uri: str, version: int, after_index: int, timeout: float
    ) -> Publish | None:
        """The first publish for `uri` carrying `version`, or, from a server that omits
        versions, the first publish for `uri` at or after `after_index`; None on timeout."""
        deadline = time.monotonic() + timeout
        scanned = after_index
        while True:
            for publish in self.publishes[scanned:]:
                if publish.uri == uri and publish.version in (version, None):
                    return publish
            scanned = len(self.publishes)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed.is_set():
                return None
            # No await between the scan and clear(): a publish cannot slip in unseen.
            # (asyncio.TimeoutError, not the builtin: they differ on Python 3.10.)
            self._new_publish.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_publish.wait(), remaining)

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Polite shutdown/exit, then terminate and kill this one process if it lingers."""
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout)
            await self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except asyncio.TimeoutError:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
