"""Settings end to end: initializationOptions, didChangeConfiguration, pyproject layering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_client import (
    EXAMPLE,
    RecordingClient,
    capabilities,
    codes,
    open_document,
    start,
    wait_for_publish,
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
TEXT = EXAMPLE.read_text()


@pytest.mark.parametrize(
    "options", [{"ignore": ["LL101"]}, {"layerlint": {"ignore": ["ll101"]}}]
)
async def test_initialization_options_ignore_ll101(
    server: RecordingClient, options: dict[str, object]
) -> None:
    await start(server, capabilities(), initialization_options=options)
    open_document(server, URI, TEXT, version=1)
    published = await wait_for_publish(server, URI, version=1)
    assert "LL101" not in codes(list(published.diagnostics))


async def test_configuration_change_republishes_open_documents(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    first = await wait_for_publish(server, URI, version=1)
    assert "LL101" in codes(list(first.diagnostics))

    seen = len(server.published)
    server.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"layerlint": {"ignore": ["LL101"]}})
    )
    ignored = await wait_for_publish(server, URI, version=1, after=seen)
    assert "LL101" not in codes(list(ignored.diagnostics))

    seen = len(server.published)
    server.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"layerlint": {}})
    )
    restored = await wait_for_publish(server, URI, version=1, after=seen)
    assert "LL101" in codes(list(restored.diagnostics))


async def test_configuration_is_pulled_when_the_client_sends_none(
    server: RecordingClient,
) -> None:
    await start(server, capabilities(configuration=True))
    open_document(server, URI, TEXT, version=1)
    await wait_for_publish(server, URI, version=1)

    server.set_configuration({"ignore": ["LL1"]}, section="layerlint")
    seen = len(server.published)
    server.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    ignored = await wait_for_publish(server, URI, version=1, after=seen)
    assert not any(code.startswith("LL1") for code in codes(list(ignored.diagnostics)))


async def test_pyproject_settings_with_editor_override(
    server: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nignore = ["LL101"]\n')
    model = tmp_path / "model.py"
    model.write_text(TEXT)
    await start(server, capabilities(), root=tmp_path)
    open_document(server, model.as_uri(), TEXT, version=1)
    from_pyproject = await wait_for_publish(server, model.as_uri(), version=1)
    assert "LL101" not in codes(list(from_pyproject.diagnostics))

    seen = len(server.published)
    server.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"layerlint": {"ignore": []}})
    )
    overridden = await wait_for_publish(server, model.as_uri(), version=1, after=seen)
    assert "LL101" in codes(list(overridden.diagnostics))


async def test_pull_clients_are_asked_to_refresh(server: RecordingClient) -> None:
    await start(server, capabilities(pull=True))
    open_document(server, URI, TEXT, version=1)
    server.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"layerlint": {"ignore": ["LL101"]}})
    )

    async def refreshed() -> None:
        while server.diagnostic_refresh_count == 0:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(refreshed(), 20)
    report = await server.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert "LL101" not in codes(list(report.items))
