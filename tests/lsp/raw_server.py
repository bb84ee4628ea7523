"""A raw JSON-RPC connection to `layerlint serve` for the load and bad-input tests.

It builds on the benchmark's client (`bench/lsp_client.py`: framing, publish records) and adds
what those tests need: requests whose whole response (result or error) is kept, bytes written
as they are (malformed frames), server requests held unanswered on demand, and the server's
memory (current and peak resident set, from /proc).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.lsp_client import LspClient
from bench.lsp_framing import encode

SERVER_COMMAND = [sys.executable, "-m", "layerlint", "serve"]
REQUEST_CANCELLED = -32800

CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "window": {"workDoneProgress": True},
    "workspace": {"workspaceEdit": {"documentChanges": True}},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "dataSupport": True},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}},
                       "dataSupport": True, "disabledSupport": True},
    },
}


class RawServer(LspClient):
    """One server process; see the module docstring."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        super().__init__(process)
        self.responses: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.held_methods: set[str] = set()
        self.held: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0

    @classmethod
    async def launch(cls, log: Path) -> RawServer:
        stderr = log.open("wb")
        process = await asyncio.create_subprocess_exec(
            *SERVER_COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        stderr.close()
        return cls(process)

    def _dispatch(self, message: dict[str, Any], received_ns: int) -> None:
        if "id" in message and "method" in message:
            if message["method"] in self.held_methods:
                self.held.append(message)
                return
        elif "id" in message and message["id"] in self.responses:
            future = self.responses.pop(message["id"])
            if not future.done():
                future.set_result(message)
            return
        elif "method" in message and message["method"] != "textDocument/publishDiagnostics":
            self.notifications.append(message)
        super()._dispatch(message, received_ns)

    def send(self, method: str, params: Any, request_id: Any = None) -> asyncio.Future[dict[str, Any]]:
        """Write a request now; the future gets its whole response message."""
        if request_id is None:
            self._next_id += 1
            request_id = f"raw-{self._next_id}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.responses[request_id] = future
        self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return future

    def send_notification(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def write_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def write_message(self, message: Any) -> None:
        self.write_raw(encode(message))

    def answer_held(self) -> None:
        for message in self.held:
            self._write({"jsonrpc": "2.0", "id": message["id"], "result": None})
        self.held.clear()

    async def call(self, method: str, params: Any, timeout: float = 30) -> dict[str, Any]:
        future = self.send(method, params)
        await self._drain()
        return await asyncio.wait_for(future, timeout)

    async def start_session(self, root: Path, options: Any = None) -> dict[str, Any]:
        answer = await self.call("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": CAPABILITIES,
            "initializationOptions": options,
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]})
        self.send_notification("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1, language: str = "python") -> None:
        self.send_notification("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version, "text": text}})

    def memory_kib(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process in KiB: now, and the peak so far."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values["VmRSS"], values["VmHWM"]

    def alive(self) -> bool:
        return self.process.returncode is None


@contextlib.asynccontextmanager
async def raw_session(folder: Path) -> AsyncIterator[RawServer]:
    """A server started and initialized on `folder` (its log in `folder`), shut down after."""
    client = await RawServer.launch(folder / "server.log")
    await client.start_session(folder)
    try:
        yield client
    finally:
        await client.shutdown()


def record(name: str, value: Any) -> None:
    """Keep a measured figure in $LAYERLINT_RELIABILITY_REPORT (a JSON file), if set."""
    target = os.environ.get("LAYERLINT_RELIABILITY_REPORT")
    if not target:
        return
    path = Path(target)
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def text_range(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {"start": position(*start), "end": position(*end)}
