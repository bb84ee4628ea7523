"""The per-connection session state: the shape trace keeps its results there (not in module
globals), and `$/cancelRequest` reaches the listener a long request registered."""

from __future__ import annotations

import json
from typing import Any

from layerlint.lsp import trace_features
from layerlint.lsp.server import build_server
from layerlint.lsp.session import LayerlintServer


def test_each_server_has_its_own_trace_state() -> None:
    first, second = build_server(), build_server()
    assert trace_features.state_of(first) is first.state.trace
    assert trace_features.state_of(second) is second.state.trace
    assert first.state.trace is not second.state.trace


def _cancel_notification(server: LayerlintServer, request_id: int | str) -> Any:
    text = json.dumps({"jsonrpc": "2.0", "method": "$/cancelRequest",
                       "params": {"id": request_id}})
    return json.loads(text, object_hook=server.protocol.structure_message)


def test_cancel_request_calls_the_listener_of_that_request_once() -> None:
    server = build_server()
    heard: list[str] = []
    server.state.cancel_listeners[7] = lambda: heard.append("seven")
    server.state.cancel_listeners["eight"] = lambda: heard.append("eight")

    server.protocol.handle_message(_cancel_notification(server, 7))
    server.protocol.handle_message(_cancel_notification(server, 7))
    server.protocol.handle_message(_cancel_notification(server, "unknown"))

    assert heard == ["seven"]
    assert list(server.state.cancel_listeners) == ["eight"]
