"""An LSP client on jupyter-lsp's websocket `/lsp/ws/<key>`, as JupyterLab's frontend is.

jupyter-lsp relays plain JSON-RPC text frames (no Content-Length header) to the language
server's stdio. It drops messages for a key it does not know without a word, so every read
here has a deadline. Requests the server sends back (capability registration, configuration)
are answered with empty results.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import websocket

TIMEOUT = 60.0

Message = dict[str, Any]


class LspWebSocket:
    """One connection: pending ids and the messages read so far make it a class."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self.connection = websocket.create_connection(url, timeout=timeout)
        self.received: list[Message] = []
        self._ids = itertools.count(1)

    def notify(self, method: str, params: Any) -> None:
        self.connection.send(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}))

    def request(self, method: str, params: Any) -> Any:
        request_id = next(self._ids)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        self.connection.send(json.dumps(message))
        answer = self.wait_for(lambda item: item.get("id") == request_id and "method" not in item)
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer["result"]

    def wait_for(self, matches: Callable[[Message], bool], after: int = 0) -> Message:
        """The first message at index `after` or later that `matches`, read until a deadline."""
        for message in self.received[after:]:
            if matches(message):
                return message
        deadline = time.monotonic() + self.timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self.connection.settimeout(remaining)
            try:
                message = json.loads(self.connection.recv())
            except websocket.WebSocketTimeoutException:
                break
            self.received.append(message)
            if "id" in message and "method" in message:
                self._answer(message)
            elif matches(message):
                return message
        methods = [item.get("method", f"response {item.get('id')}") for item in self.received]
        raise AssertionError(f"no matching message within {self.timeout} s; received {methods}")

    def wait_for_diagnostics(self, uri: str, after: int = 0) -> list[Message]:
        published = self.wait_for(
            lambda item: item.get("method") == "textDocument/publishDiagnostics"
            and item["params"]["uri"] == uri,
            after,
        )
        return published["params"]["diagnostics"]

    def _answer(self, request: Message) -> None:
        if request["method"] == "workspace/configuration":
            result: Any = [None] * len(request["params"]["items"])
        else:
            result = None
        self.connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}))

    def close(self) -> None:
        self.connection.close()
