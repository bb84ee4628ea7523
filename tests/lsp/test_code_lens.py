"""The "Trace shapes" code lens through the real server: one lens per model class, and a
client that asked before its didOpen arrived (an editor open while the server starts) is
asked to ask again once the document is open, since it would not by itself."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "layerlint", "serve"]),
)
async def client(lsp_client: LanguageClient):
    lsp_client.code_lens_refreshes = asyncio.Queue()

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def count_refresh(client: LanguageClient, params: None) -> None:
        client.code_lens_refreshes.put_nowait(params)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True)),
            text_document=types.TextDocumentClientCapabilities(
                code_lens=types.CodeLensClientCapabilities()),
        ),
        root_uri=ROOT.as_uri(),
    ))
    yield
    await lsp_client.shutdown_session()


async def lenses(client: LanguageClient, uri: str) -> list[str]:
    answer = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return [lens.command.title for lens in answer or [] if lens.command]


def open_example(client: LanguageClient) -> str:
    uri = EXAMPLE.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=EXAMPLE.read_text(encoding="utf-8"))))
    return uri


async def test_lens_asked_before_the_open_is_asked_again_after_it(client: LanguageClient):
    uri = EXAMPLE.as_uri()
    assert await lenses(client, uri) == []  # not open yet: the server never reads the disk
    open_example(client)
    await asyncio.wait_for(client.code_lens_refreshes.get(), 30)
    assert await lenses(client, uri) == ["Trace shapes"]


async def test_lens_asked_after_the_open_needs_no_second_request(client: LanguageClient):
    uri = open_example(client)
    assert await lenses(client, uri) == ["Trace shapes"]
    # A later request (answered after any refresh the open might have sent) finds none sent.
    await lenses(client, uri)
    assert client.code_lens_refreshes.empty()
