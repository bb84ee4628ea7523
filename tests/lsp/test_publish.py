"""Hooks of other features (the shape trace) cannot break the static diagnostics."""

from __future__ import annotations

from lsprotocol import types

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
