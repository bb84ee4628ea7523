"""Text document sync end to end: diagnostics on open, after each edit, on close."""

from __future__ import annotations

import pytest
from lsp_client import (
    EXAMPLE,
    RecordingClient,
    capabilities,
    codes,
    find_line,
    line_range,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
TEXT = EXAMPLE.read_text()
SECOND_BN_LINE = find_line(TEXT, "self.bn(", occurrence=2)


async def test_open_publishes_ll101_on_the_second_bn_call(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    published = await wait_for_publish(server, URI, version=1)

    ll101 = [item for item in published.diagnostics if item.code == "LL101"]
    assert len(ll101) == 1
    diagnostic = ll101[0]
    assert diagnostic.range.start.line == SECOND_BN_LINE
    assert diagnostic.source == "layerlint"
    assert diagnostic.severity in (
        types.DiagnosticSeverity.Error,
        types.DiagnosticSeverity.Warning,
    )
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("LL101.md")
    assert diagnostic.related_information, "the first call site should be related"
    first_call = find_line(TEXT, "self.bn(", occurrence=1)
    assert diagnostic.related_information[0].location.range.start.line == first_call
    assert diagnostic.data["fixes"][0]["title"] == "Split bn into bn_1/bn_2"


async def test_every_edit_publishes_its_own_version(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    await wait_for_publish(server, URI, version=1)

    # Type a comment after `def call(self, x):`, one character per version.
    line = find_line(TEXT, "def call(self, x):")
    end = len(TEXT.split("\n")[line])
    for version, character in enumerate("  # hi", start=2):
        position = types.Position(line=line, character=end + version - 2)
        replace_range(server, URI, version, types.Range(start=position, end=position), character)
    last = await wait_for_publish(server, URI, version=7)
    assert "LL101" in codes(list(last.diagnostics))
    assert last.diagnostics[0].range.start.line == SECOND_BN_LINE

    versions = [params.version for params in server.published if params.uri == URI]
    assert versions == sorted(versions), "an older version was published after a newer one"
    assert versions[-1] == 7


async def test_removing_the_second_call_clears_ll101(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    await wait_for_publish(server, URI, version=1)

    replace_range(
        server, URI, 2, line_range(TEXT, SECOND_BN_LINE),
        "        x = self.maxpool(self.conv_2(x))",
    )
    published = await wait_for_publish(server, URI, version=2)
    assert "LL101" not in codes(list(published.diagnostics))


async def test_close_clears_diagnostics(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    await wait_for_publish(server, URI, version=1)
    seen = len(server.published)

    server.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    cleared = await wait_for_publish(server, URI, after=seen)
    assert list(cleared.diagnostics) == []


@pytest.mark.parametrize("uri", ["untitled:Untitled-1", "file:///nonexistent/dir/model.py"])
async def test_documents_without_a_file_are_analysed(server: RecordingClient, uri: str) -> None:
    await start(server, capabilities())
    open_document(server, uri, TEXT, version=3)
    published = await wait_for_publish(server, uri, version=3)
    assert "LL101" in codes(list(published.diagnostics))


async def test_other_languages_are_left_alone(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, "file:///tmp/notes.md", TEXT, language_id="markdown")
    open_document(server, URI, TEXT, version=1)
    await wait_for_publish(server, URI, version=1)
    assert all(params.uri != "file:///tmp/notes.md" for params in server.published)


async def test_reopening_starts_versions_afresh(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=5)
    await wait_for_publish(server, URI, version=5)
    # Some clients reopen a document (e.g. after a rename back) without closing it first.
    open_document(server, URI, TEXT.replace("self.bn(self.conv_2(x))", "self.conv_2(x)"), 1)
    reopened = await wait_for_publish(server, URI, version=1)
    assert "LL101" not in codes(list(reopened.diagnostics))


async def test_a_version_aware_diagnostic_says_which_keras_it_assumed(
    server: RecordingClient, tmp_path
) -> None:
    """The pin in the project's requirements.txt decides; the hover's related information
    points at it."""
    (tmp_path / ".git").mkdir()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy\ntensorflow<2.16\n")
    module = tmp_path / "model.py"
    text = ("import tensorflow as tf\n\n\n"
            "class Head(tf.keras.layers.Layer):\n"
            "    def call(self, x):\n"
            "        return tf.keras.layers.Dense(2)(x)\n")
    module.write_text(text)
    await start(server, capabilities())
    open_document(server, module.as_uri(), text, version=1)
    published = await wait_for_publish(server, module.as_uri(), version=1)
    (ll203,) = [item for item in published.diagnostics if item.code == "LL203"]
    assumed = ll203.related_information[-1]
    assert assumed.message == "Assumed Keras 2, from pin: `tensorflow<2.16` (requirements.txt:2)"
    assert assumed.location.uri == requirements.as_uri()
    assert assumed.location.range.start.line == 1
