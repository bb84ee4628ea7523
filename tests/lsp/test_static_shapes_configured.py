"""The editor's `layerlint.inputShape` setting reaches the static shapes: a model whose input
the code does not give gets `⟨static⟩` hints, and a proven crash an LL105, only with it."""

from __future__ import annotations

from lsp_client import RecordingClient, capabilities, open_document, start, wait_for_publish
from lsprotocol import types

SOURCE = """\
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Conv2D(8, 3),
    layers.LSTM(4),
])
"""
URI = "untitled:configured_shapes.py"


async def _hints(server: RecordingClient) -> list[tuple[int, str]]:
    hints = await server.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=10, character=0))))
    return [(hint.position.line, str(hint.label)) for hint in hints or []]


async def test_hints_and_ll105_come_from_the_configured_input_shape(server: RecordingClient):
    await start(server, capabilities(), initialization_options={"inputShape": [1, 28, 28, 3]})
    open_document(server, URI, SOURCE, version=1)
    published = await wait_for_publish(server, URI, version=1)
    assert [(d.code, d.range.start.line) for d in published.diagnostics
            if d.code == "LL105"] == [("LL105", 5)]
    assert await _hints(server) == [(4, "⟨static⟩ (None, 26, 26, 8)")]


async def test_without_the_setting_nothing_is_known(server: RecordingClient):
    await start(server, capabilities())
    open_document(server, URI, SOURCE, version=1)
    published = await wait_for_publish(server, URI, version=1)
    assert not [d for d in published.diagnostics if d.code == "LL105"]
    assert await _hints(server) == []
