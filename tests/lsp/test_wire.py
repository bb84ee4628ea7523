"""Diagnostics published with their JSON data kept per object are byte-identical to pygls'
own `text_document_publish_diagnostics`, over a session of edits that reuse diagnostics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsp_client import EXAMPLE
from lsprotocol import types
from test_diagnostic_reuse import UNITS, URI, _edits

from layerlint.analysis import analyse
from layerlint.lsp import convert, wire
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


FIXTURES = sorted((Path(__file__).parents[1] / "fixtures").rglob("*.py"))


def _pygls_json(server, diagnostic: types.Diagnostic) -> str:
    protocol = server.protocol
    return json.dumps(protocol._converter.unstructure(diagnostic, types.Diagnostic),
                      default=protocol._serialize_message)


def _placer(lines: list[str]) -> convert.Placer:
    return lambda line, column: (URI, convert.position(lines, line - 1, column - 1, UNITS))


def test_each_diagnostic_of_the_fixtures_is_written_as_pygls_writes_it() -> None:
    """Every rule's findings on the fixtures (messages, related places, Keras targets, fix
    data), and the syntax diagnostic."""
    server = build_server()
    written = 0
    for path in FIXTURES:
        text = path.read_text()
        outcome = analyse(text, path=str(path))
        place = _placer(split_lines(text))
        diagnostics = [convert.to_diagnostic(finding, place)[1] for finding in outcome.findings]
        syntax = convert.syntax_diagnostic(outcome.syntax_problems, place)
        for diagnostic in [*diagnostics, *([syntax[1]] if syntax else [])]:
            assert wire.diagnostic_json(diagnostic, server.protocol._serialize_message) == (
                _pygls_json(server, diagnostic))
            written += 1
    assert written > 100


@pytest.mark.parametrize("diagnostic", [
    types.Diagnostic(range=types.Range(start=types.Position(0, 0), end=types.Position(1, 2)),
                     message="only a message"),
    types.Diagnostic(range=types.Range(start=types.Position(3, 4), end=types.Position(3, 9)),
                     message='quotes " and \\ backslash, tab\t, \u00e9t\u00e9 and \U0001f600',
                     severity=types.DiagnosticSeverity.Hint, code=7,
                     tags=[types.DiagnosticTag.Unnecessary, types.DiagnosticTag.Deprecated],
                     related_information=[], data={"tuple": (1, "two"), "none": None, "n": 1.5}),
    types.Diagnostic(range=types.Range(start=types.Position(2, 0), end=types.Position(2, 1)),
                     message="m", source="s", data=[], code_description=types.CodeDescription(
                         href="https://example.com/é")),
])
def test_a_diagnostic_with_any_field_is_written_as_pygls_writes_it(diagnostic) -> None:
    server = build_server()
    assert wire.diagnostic_json(diagnostic, server.protocol._serialize_message) == (
        _pygls_json(server, diagnostic))
