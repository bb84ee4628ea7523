"""A `layerlint serve` protocol driven in this process, without pipes: messages handed to pygls
as a client would send them, what the server writes passed to a callback. The replay of the
latency benchmark (`server_replay`) and the parity run (`incremental_parity --lsp`) drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lsp_session import _initialize_params


@dataclass
class InProcessServer:
    """`send` hands one message to the server and runs what it scheduled; `close` ends it."""

    protocol: Any
    loop: asyncio.AbstractEventLoop

    def send(self, method: str, params: dict[str, Any], request_id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request_id is not None:
            message["id"] = request_id
        asyncio.set_event_loop(self.loop)
        self.protocol.handle_message(self.protocol.structure_message(message))
        self.loop.run_until_complete(asyncio.sleep(0))

    def close(self) -> None:
        self.loop.close()


def initialized_server(folder: Path, write: Callable[[bytes], None]) -> InProcessServer:
    """A server of the checkout first on the path, initialized for `folder`; `write` receives
    every message it writes (header and body)."""
    from layerlint.lsp.server import build_server  # the checkout first on the path

    class Writer:
        def write(self, data: bytes) -> None:
            write(data)

        def close(self) -> None:
            pass

    server = build_server()
    server.protocol.set_writer(Writer())
    driven = InProcessServer(server.protocol, asyncio.new_event_loop())
    driven.send("initialize", _initialize_params(folder), request_id=1)
    driven.send("initialized", {})
    return driven
