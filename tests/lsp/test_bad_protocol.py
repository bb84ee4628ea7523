"""Bad protocol input never takes the server down: malformed JSON-RPC, unknown methods, wrong
parameter types, positions outside the document and URIs that are not `file:` each get an
error response or are ignored, and the next request is served.

Each case writes its bad message(s), then asks for the code lenses of a known document and
expects an answer: that is "the next request is served".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from raw_server import RawServer, record, text_range

INVALID_PARAMS, METHOD_NOT_FOUND, INTERNAL_ERROR = -32602, -32601, -32603
MODEL = ("import keras\n\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
         "        self.bn = keras.layers.BatchNormalization()\n\n    def call(self, x):\n"
         "        return self.bn(self.bn(x))\n")
BAD_MESSAGES_ANSWERED = 0
"""Cases after which the next request was served (recorded for the README's table)."""


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    client = await RawServer.launch(tmp_path / "server.log")
    await client.start_session(tmp_path)
    model = tmp_path / "model.py"
    model.write_text(MODEL)
    client.open(model.as_uri(), MODEL)
    assert await client.wait_for_diagnostics(model.as_uri(), 1, 0, 60) is not None
    client.known_uri = model.as_uri()  # type: ignore[attr-defined]
    yield client
    await client.shutdown()


async def still_served(server: RawServer) -> None:
    global BAD_MESSAGES_ANSWERED
    answer = await server.call("textDocument/codeLens",
                               {"textDocument": {"uri": server.known_uri}}, timeout=30)  # type: ignore[attr-defined]
    assert server.alive() and isinstance(answer.get("result"), list), answer
    BAD_MESSAGES_ANSWERED += 1
    record("bad_protocol", {"cases_then_served": BAD_MESSAGES_ANSWERED})


MALFORMED_FRAMES = {
    "not_json": frame(b"{this is not json"),
    "truncated_json": frame(b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "par'),
    "json_array_batch": frame(b'[{"jsonrpc": "2.0", "method": "initialized", "params": {}}]'),
    "json_scalar": frame(b"42"),
    "invalid_utf8": frame(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'),
    "wrong_jsonrpc_version": frame(b'{"jsonrpc": "1.0", "id": 8, "method": "shutdown"}'),
    "no_method_no_id": frame(b'{"jsonrpc": "2.0", "params": {}}'),
    "response_to_nothing": frame(b'{"jsonrpc": "2.0", "id": 99999, "result": null}'),
    "error_response_to_nothing": frame(
        b'{"jsonrpc": "2.0", "id": 99998, "error": {"code": 1, "message": "x"}}'),
    "bad_header_then_good": b"Content-Type: nothing\r\n\r\n",
}


@pytest.mark.parametrize("name", list(MALFORMED_FRAMES))
async def test_malformed_json_rpc(server: RawServer, name: str) -> None:
    server.write_raw(MALFORMED_FRAMES[name])
    await still_served(server)


async def test_unknown_methods(server: RawServer) -> None:
    answer = await server.call("layerlint/noSuchMethod", {"x": 1})
    assert answer["error"]["code"] == METHOD_NOT_FOUND
    server.send_notification("layerlint/noSuchNotification", {"x": 1})
    server.send_notification("$/noSuchProtocolNotification", None)
    await still_served(server)


WRONG_PARAMETERS = [
    ("textDocument/codeAction", {"textDocument": 5}),
    ("textDocument/codeAction", {"textDocument": {"uri": "x"}, "range": "everything",
                                 "context": {"diagnostics": []}}),
    ("textDocument/codeAction", {"textDocument": {"uri": "x"}, "range": text_range((0, 0), (0, 1)),
                                 "context": {"diagnostics": [{"message": 3}]}}),
    ("textDocument/hover", []),
    ("textDocument/hover", None),
    ("textDocument/inlayHint", {"textDocument": {"uri": 1}, "range": {}}),
    ("codeAction/resolve", {"title": "x", "data": {"uri": 5, "fix": "nope"}}),
    ("codeAction/resolve", {"title": "x", "data": {"uri": "file:///nowhere.py",
                                                   "fix": {"title": "t", "kind": "split_layer"}}}),
    ("workspace/executeCommand", {"command": "layerlint.traceShapes", "arguments": [5, {}, "x"]}),
    ("workspace/executeCommand", {"command": "layerlint.noSuchCommand"}),
    ("textDocument/diagnostic", {"textDocument": {"uri": "file:///never/opened.py"}}),
]


@pytest.mark.parametrize(("method", "params"), WRONG_PARAMETERS,
                         ids=[f"{m}-{i}" for i, (m, _) in enumerate(WRONG_PARAMETERS)])
async def test_wrong_parameter_types_in_requests(server: RawServer, method: str,
                                                 params: Any) -> None:
    answer = await server.call(method, params)
    assert "result" in answer or "error" in answer
    if "error" in answer:
        assert answer["error"]["code"] in (INVALID_PARAMS, INTERNAL_ERROR), answer
    await still_served(server)


WRONG_NOTIFICATIONS = [
    ("textDocument/didOpen", {"textDocument": {"uri": 3, "text": None}}),
    ("textDocument/didChange", {"textDocument": {"uri": "file:///never/opened.py", "version": 2},
                                "contentChanges": [{"text": "x = 1"}]}),
    ("textDocument/didChange", {"textDocument": "nope", "contentChanges": "nope"}),
    ("textDocument/didClose", {"textDocument": {"uri": "file:///never/opened.py"}}),
    ("notebookDocument/didChange", {"notebookDocument": {"uri": "file:///x.ipynb", "version": 1},
                                    "change": {"cells": {"structure": "nope"}}}),
    ("notebookDocument/didOpen", {"notebookDocument": {"uri": "file:///x.ipynb"}}),
    ("workspace/didChangeConfiguration", {"settings": [1, 2, 3]}),
    ("workspace/didChangeConfiguration", {"settings": {"layerlint": {"select": {"a": 1}}}}),
    ("workspace/didChangeWatchedFiles", {"changes": [{"uri": 1, "type": "x"}]}),
    ("$/cancelRequest", {"id": "not-a-pending-request"}),
    ("$/cancelRequest", {"id": None}),
]


@pytest.mark.parametrize(("method", "params"), WRONG_NOTIFICATIONS,
                         ids=[f"{m}-{i}" for i, (m, _) in enumerate(WRONG_NOTIFICATIONS)])
async def test_wrong_parameter_types_in_notifications(server: RawServer, method: str,
                                                      params: Any) -> None:
    server.send_notification(method, params)
    await still_served(server)


async def test_positions_outside_the_document(server: RawServer) -> None:
    uri = server.known_uri  # type: ignore[attr-defined]
    far = text_range((10_000, 5), (10_001, 0))
    backwards = text_range((5, 3), (1, 0))
    negative = {"start": {"line": -1, "character": -4}, "end": {"line": 0, "character": 0}}
    for params in ({"textDocument": {"uri": uri}, "range": far, "context": {"diagnostics": []}},
                   {"textDocument": {"uri": uri}, "range": backwards, "context": {"diagnostics": []}},
                   {"textDocument": {"uri": uri}, "range": negative, "context": {"diagnostics": []}}):
        answer = await server.call("textDocument/codeAction", params)
        assert "result" in answer or "error" in answer
    for spot in ({"line": 10_000, "character": 0}, {"line": 3, "character": 10_000}):
        answer = await server.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": spot})
        assert "result" in answer or "error" in answer
    answer = await server.call("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": far})
    assert "result" in answer or "error" in answer
    # An edit past the end of the document: clients must not send it, but if one does the
    # server keeps a consistent document and keeps publishing.
    server.send_notification("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": far, "text": "# appended far away\n"}]})
    server.send_notification("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": MODEL}]})
    published = await server.wait_for_diagnostics(uri, 3, 0, 30)
    assert published is not None and any(item["code"] == "LL101" for item in published.diagnostics)
    await still_served(server)


@pytest.mark.parametrize("uri", [
    "untitled:Untitled-1", "vscode-notebook-cell:/home/u/nb.ipynb#W0sZmlsZQ%3D%3D",
    "http://example.com/model.py", "file:///does/not/exist/model.py", "inmemory://model/1",
])
async def test_uris_that_are_not_files(server: RawServer, uri: str) -> None:
    server.open(uri, MODEL)
    published = await server.wait_for_diagnostics(uri, 1, 0, 30)
    assert published is not None and any(item["code"] == "LL101" for item in published.diagnostics)
    ll101 = next(item for item in published.diagnostics if item["code"] == "LL101")
    actions = await server.call("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": ll101["range"], "context": {"diagnostics": [ll101]}})
    assert "result" in actions
    for method, params in (
        ("textDocument/codeLens", {"textDocument": {"uri": uri}}),
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 9, "character": 20}}),
        ("textDocument/inlayHint", {"textDocument": {"uri": uri},
                                    "range": text_range((0, 0), (10, 0))}),
    ):
        answer = await server.call(method, params)
        assert "result" in answer or "error" in answer, (method, answer)
    server.send_notification("textDocument/didClose", {"textDocument": {"uri": uri}})
    await still_served(server)


def test_messages_are_json(tmp_path: Path) -> None:
    """The frames above are what the tests claim: valid framing around bad content."""
    for name, data in MALFORMED_FRAMES.items():
        if name == "bad_header_then_good":
            continue
        header, _, body = data.partition(b"\r\n\r\n")
        assert int(header.split(b": ")[1]) == len(body)
        if name in ("not_json", "truncated_json", "invalid_utf8"):
            with pytest.raises(ValueError):
                json.loads(body)
