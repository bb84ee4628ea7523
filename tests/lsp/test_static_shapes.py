"""Static shapes in the editor (lsp/static_shapes.py): `⟨static⟩` inlay hints at the end of
each layer-call line and the shapes in hover, with no trace and nothing run."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = """\
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Conv2D(6, 3, input_shape=(31, 31, 3)),
    layers.Flatten(),
    layers.Dense(10),
])
mystery = keras.Sequential([layers.Dense(4)])
"""


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "layerlint", "serve"]),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                inlay_hint=types.InlayHintClientCapabilities(),
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            )),
    ))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=SOURCE)))


async def test_static_inlay_hints_end_each_layer_call_line(client: LanguageClient):
    uri = "untitled:static_hints.py"
    _open(client, uri)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=20, character=0))))
    lines = SOURCE.splitlines()
    found = [(hint.position.line, hint.position.character, hint.label) for hint in hints]
    assert found == [
        (4, len(lines[4]), "⟨static⟩ (None, 29, 29, 6)"),
        (5, len(lines[5]), "⟨static⟩ (None, 5046)"),
        (6, len(lines[6]), "⟨static⟩ (None, 10)"),
    ]  # the Sequential without a known input gets no hint: unknown is never guessed


async def test_hover_shows_the_static_shapes_of_the_line(client: LanguageClient):
    uri = "untitled:static_hover.py"
    _open(client, uri)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=4, character=8)))
    assert hover is not None
    assert "Static shapes" in hover.contents.value
    assert "`Conv2D`: (None, 31, 31, 3) → (None, 29, 29, 6)" in hover.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=0, character=3)))
    assert nothing is None
