"""The assembled server: what it advertises, and that it never loads a DL framework."""

from __future__ import annotations

import json

from lsp_client import (
    EXAMPLE,
    MODULES_FILE,
    RecordingClient,
    capabilities,
    open_document,
    start,
    wait_for_publish,
)
from lsprotocol import types

from layerlint.lsp import server as server_module

URI = EXAMPLE.as_uri()
FRAMEWORKS = ("tensorflow", "keras", "tf_keras", "torch", "jax")


async def test_capabilities(server: RecordingClient) -> None:
    result = await start(server, capabilities(notebooks=True))
    caps = result.capabilities
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.change == types.TextDocumentSyncKind.Incremental and sync.open_close
    assert caps.diagnostic_provider is not None
    assert caps.code_action_provider is not None
    assert caps.notebook_document_sync is not None
    assert result.server_info is not None and result.server_info.name == "layerlint"


async def test_no_framework_is_imported_during_a_session(
    instrumented_server: RecordingClient,
) -> None:
    client = instrumented_server
    await start(client, capabilities())
    text = EXAMPLE.read_text()
    open_document(client, URI, text, version=1)
    published = await wait_for_publish(client, URI, version=1)
    diagnostic = next(item for item in published.diagnostics if item.code == "LL101")
    # A code action runs the libcst fix: the heaviest path a session takes.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions
    await client.shutdown_session()
    client.capabilities = None  # the fixture must not shut down twice

    modules = json.loads(MODULES_FILE.read_text())
    loaded = [name for name in modules if name.split(".")[0] in FRAMEWORKS]
    assert loaded == [], f"the server imported {loaded[:5]}"
    assert "layerlint.lsp.server" in modules


def test_every_feature_module_registers() -> None:
    built = server_module.build_server()
    features = set(built.protocol.fm.features)
    for method in (
        types.TEXT_DOCUMENT_DID_OPEN,
        types.NOTEBOOK_DOCUMENT_DID_CHANGE,
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.WORKSPACE_DID_CHANGE_CONFIGURATION,
    ):
        assert method in features
