"""The per-connection session state: the shape trace keeps its results there (not in module
globals), and `$/cancelRequest` reaches the listener a long request registered; `didChange`,
dispatched by the protocol itself, does what pygls' dispatch does."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import FeatureNotificationError, JsonRpcInternalError
from pygls.protocol import LanguageServerProtocol

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


def _message(server: LayerlintServer, method: str, params: dict) -> Any:
    text = json.dumps({"jsonrpc": "2.0", "method": method, "params": params})
    return json.loads(text, object_hook=server.protocol.structure_message)


class _Discard:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


_URI = "file:///project/model.py"
_CHANGE = {"textDocument": {"uri": _URI, "version": 2}, "contentChanges": [
    {"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 5}},
     "text": "total"},
    {"text": "whole = 1\n"},
    {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
     "text": "# top\n"}]}


def _opened_with_feature(feature: Callable[[Any], None]) -> LayerlintServer:
    """A server with one open document whose didChange feature is `feature`."""
    server = build_server()
    server.protocol.set_writer(_Discard())
    initialize = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": {"capabilities": {}}})
    server.protocol.handle_message(
        json.loads(initialize, object_hook=server.protocol.structure_message))
    server.protocol.handle_message(_message(server, "textDocument/didOpen", {"textDocument": {
        "uri": _URI, "languageId": "python", "version": 1, "text": "a = 1\nb = a\n"}}))
    server.protocol.fm.features[types.TEXT_DOCUMENT_DID_CHANGE] = feature
    return server


@pytest.mark.parametrize("dispatch", ["layerlint", "pygls"])
def test_did_change_is_handled_as_pygls_dispatches_it(dispatch: str) -> None:
    """`didChange` skips pygls' dispatch (`_did_change_now`): the document's text and version
    and the feature's one call are what pygls' own dispatch gives."""
    seen: list[Any] = []
    server = _opened_with_feature(seen.append)
    message = _message(server, "textDocument/didChange", _CHANGE)
    handle = (server.protocol.handle_message if dispatch == "layerlint"
              else partial(LanguageServerProtocol.handle_message, server.protocol))

    handle(message)

    document = server.workspace.get_text_document(_URI)
    assert (document.source, document.version) == ("# top\nwhole = 1\n", 2)
    assert seen == [message.params]


@pytest.mark.parametrize("dispatch", ["layerlint", "pygls"])
def test_an_error_in_did_change_is_reported_as_pygls_reports_it(dispatch: str) -> None:
    def failing(params: Any) -> None:
        raise ValueError("the analysis broke")

    server = _opened_with_feature(failing)
    reported: list[tuple[Exception, type]] = []

    def report(error: Exception, source: type) -> None:
        reported.append((error, source))

    server._report_server_error = report  # type: ignore[method-assign]
    message = _message(server, "textDocument/didChange", _CHANGE)
    handle = (server.protocol.handle_message if dispatch == "layerlint"
              else partial(LanguageServerProtocol.handle_message, server.protocol))

    handle(message)

    assert [(type(error), source) for error, source in reported] == [
        (JsonRpcInternalError, FeatureNotificationError)]
    assert "the analysis broke" in str(reported[0][0])


def test_after_shutdown_a_did_change_is_ignored() -> None:
    seen: list[Any] = []
    server = _opened_with_feature(seen.append)
    server.protocol._shutdown = True
    server.protocol.handle_message(_message(server, "textDocument/didChange", _CHANGE))
    assert seen == []
    assert server.workspace.get_text_document(_URI).version == 1
