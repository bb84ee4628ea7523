"""A minimal synchronous LSP client over a server's stdin/stdout, for tests that run a server
as an installed user would (an installed `layerlint serve`, the VS Code bundle's launcher).

Messages are framed by bench/lsp_framing.py; a reader thread collects everything the server
sends, and `wait_for` picks out what a test is waiting for.
"""

from __future__ import annotations

import itertools
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.lsp_framing import FrameDecoder, encode

Message = dict[str, Any]


class StdioSession:
    def __init__(self, command: Sequence[str], cwd: Path, env: dict[str, str] | None = None):
        self.process = subprocess.Popen(list(command), cwd=cwd, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.received: list[Message] = []
        self._inbox: queue.Queue[Message | None] = queue.Queue()
        self._ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        decoder = FrameDecoder()
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read1(65536):
            for message in decoder.feed(chunk):
                self._inbox.put(message)
        self._inbox.put(None)

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        ident = next(self._ids)
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        answer = self.wait_for(lambda message: message.get("id") == ident and "method" not in message,
                               timeout)
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def wait_for(self, matches: Callable[[Message], bool], timeout: float = 60) -> Message:
        for message in self.received:
            if matches(message):
                return message
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._inbox.get(timeout=left)
            except queue.Empty:
                break
            if message is None:
                raise AssertionError(f"the server exited: {self.stderr_text()}")
            self.received.append(message)
            if "id" in message and "method" in message:  # a request from the server: accept it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if matches(message):
                return message
        raise AssertionError(f"nothing matching arrived in {timeout} s; got {self.received}")

    def initialize(self, root: Path, capabilities: dict[str, Any] | None = None) -> Any:
        result = self.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                             "capabilities": capabilities or {}})
        self.notify("initialized", {})
        return result

    def close(self) -> int:
        if self.process.poll() is None:
            try:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                return self.process.wait(timeout=10)
            except (AssertionError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
        return self.process.wait()

    def stderr_text(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")

    def _send(self, message: Message) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(encode(message))
        self.process.stdin.flush()
