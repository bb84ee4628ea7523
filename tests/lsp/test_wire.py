"""Diagnostics published with their JSON data kept per object are byte-identical to pygls'
own `text_document_publish_diagnostics`, over a session of edits that reuse diagnostics."""

from __future__ import annotations

from lsp_client import EXAMPLE
from lsprotocol import types
from test_diagnostic_reuse import UNITS, URI, _edits

from layerlint.analysis import analyse
from layerlint.lsp import wire
from layerlint.lsp.document_analysis import _diagnostics_of, reusable
from layerlint.lsp.line_edit import split_lines
from layerlint.lsp.server import build_server


class _Capture:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self) -> None:
        pass


def test_published_bytes_equal_pygls_own_over_reused_diagnostics() -> None:
    server = build_server()
    capture = _Capture()
    server.protocol.set_writer(capture)
    text = EXAMPLE.read_text() * 3
    previous: dict = {}
    kept = 0
    for version, edited in enumerate(_edits(text, 30), start=2):
        outcome = analyse(edited, path=str(EXAMPLE))
        built = _diagnostics_of(outcome, URI, split_lines(edited), UNITS, previous)
        diagnostics = [diagnostic for _, (_, diagnostic) in built]
        known = server.state.wire_data.get(URI, {})
        kept += sum(id(diagnostic) in known for diagnostic in diagnostics)
        wire.publish_diagnostics(server, URI, version, diagnostics)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=URI, diagnostics=diagnostics, version=version))
        ours, pygls_own = capture.sent[-2:]
        assert ours == pygls_own
        previous = reusable(built)
    assert kept > 30  # the kept data was really used
    wire.publish_diagnostics(server, URI, None, [])
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=URI, diagnostics=[]))
    assert capture.sent[-2] == capture.sent[-1]
    wire.forget(server, URI)
    assert URI not in server.state.wire_data
