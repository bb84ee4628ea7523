"""Hooks of other features (the shape trace) cannot break the static diagnostics."""

from __future__ import annotations

from pathlib import Path

from lsp_client import EXAMPLE
from lsprotocol import types

from layerlint.analysis import document_state
from layerlint.lsp import publish
from layerlint.lsp.server import build_server

DIAGNOSTIC = types.Diagnostic(
    range=types.Range(start=types.Position(0, 0), end=types.Position(0, 1)), message="static"
)
TRACED = types.Diagnostic(
    range=types.Range(start=types.Position(2, 0), end=types.Position(2, 1)), message="LL900"
)


def broken_source(uri: str) -> list[types.Diagnostic]:
    raise RuntimeError(f"trace state lost for {uri}")


def test_a_failing_diagnostic_source_is_logged_and_skipped() -> None:
    server = build_server()
    logged: list[types.LogMessageParams] = []
    server.window_log_message = logged.append  # type: ignore[method-assign]
    server.state.diagnostic_sources[:] = [broken_source, lambda uri: [TRACED]]

    merged = publish.with_extra_diagnostics(server, "file:///m.py", [DIAGNOSTIC])

    assert merged == [DIAGNOSTIC, TRACED]
    assert len(logged) == 1 and "trace state lost" in logged[0].message


def test_without_extra_sources_the_list_is_unchanged() -> None:
    server = build_server()
    server.state.diagnostic_sources.clear()
    static = [DIAGNOSTIC]
    assert publish.with_extra_diagnostics(server, "file:///m.py", static) is static


class _WriteRecorder:
    """A writer that notes, at each message written, how many replaced versions of documents
    wait to be retired."""

    def __init__(self) -> None:
        self.waiting: list[int] = []

    def write(self, data: bytes) -> None:
        if b"publishDiagnostics" in data:
            self.waiting.append(len(document_state._retiring))

    def close(self) -> None:
        pass


def test_an_edit_s_replaced_blocks_are_retired_after_its_diagnostics_are_written(
        tmp_path: Path) -> None:
    """The old trees are let go while the client reads the diagnostics, not before they are
    written; none is left waiting once the edit is handled."""
    server = build_server()
    recorder = _WriteRecorder()
    server.protocol.set_writer(recorder)
    uri = (tmp_path / "model.py").as_uri()
    text = EXAMPLE.read_text()

    def send(method: str, params: dict, request_id: int | None = None) -> None:
        message: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request_id is not None:
            message["id"] = request_id
        server.protocol.handle_message(server.protocol.structure_message(message))

    send("initialize", {"capabilities": {}, "rootUri": tmp_path.as_uri()}, request_id=1)
    send("initialized", {})
    send("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    line = text.splitlines().index("    def call(self, x):")
    send("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": line + 1, "character": 0},
                                      "end": {"line": line + 1, "character": 0}},
                            "text": "        y = 1\n"}]})

    assert recorder.waiting == [0, 1]  # the open replaced nothing; the edit's wait, then go
    assert document_state._retiring == []
