"""Quick-fixes end to end: the split action, its minimal versioned edit, and its effect."""

from __future__ import annotations

from lsp_client import (
    EXAMPLE,
    RecordingClient,
    apply_text_edits,
    capabilities,
    codes,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
TEXT = EXAMPLE.read_text()
TITLE = "Split bn into bn_1/bn_2"
FIXED = (
    TEXT.replace(
        "        self.bn = BatchNormalization()\n",
        "        self.bn_1 = BatchNormalization()\n        self.bn_2 = BatchNormalization()\n",
    )
    .replace("self.bn(self.conv_1(x))", "self.bn_1(self.conv_1(x))")
    .replace("self.bn(self.conv_2(x))", "self.bn_2(self.conv_2(x))")
)


async def open_with_ll101(client: RecordingClient) -> types.Diagnostic:
    open_document(client, URI, TEXT, version=1)
    published = await wait_for_publish(client, URI, version=1)
    ll101 = [item for item in published.diagnostics if item.code == "LL101"]
    assert ll101, f"expected LL101, got {codes(list(published.diagnostics))}"
    return ll101[0]


async def request_actions(
    client: RecordingClient, diagnostic: types.Diagnostic, only: list[str] | None = None
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def test_split_action_fixes_the_model(server: RecordingClient) -> None:
    await start(server, capabilities())
    diagnostic = await open_with_ll101(server)

    actions = await request_actions(server, diagnostic)
    action = next(action for action in actions if action.title == TITLE)
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.is_preferred
    assert action.diagnostics and action.diagnostics[0].code == "LL101"

    assert action.edit is not None and action.edit.document_changes
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert (change.text_document.uri, change.text_document.version) == (URI, 1)
    edits = [edit for edit in change.edits if isinstance(edit, types.TextEdit)]
    assert apply_text_edits(TEXT, edits) == FIXED
    # Only the lines from the definition to the second call change, not the whole file.
    assert edits[0].range.start.line > 0
    assert edits[0].range.end.line < len(TEXT.split("\n")) - 1

    for version, edit in enumerate(edits, start=2):
        replace_range(server, URI, version, edit.range, edit.new_text)
    after = await wait_for_publish(server, URI, version=1 + len(edits))
    assert "LL101" not in codes(list(after.diagnostics))


async def test_plain_changes_for_clients_without_document_changes(
    server: RecordingClient,
) -> None:
    await start(server, capabilities(document_changes=False))
    diagnostic = await open_with_ll101(server)

    action = next(a for a in await request_actions(server, diagnostic) if a.title == TITLE)
    assert action.edit is not None
    assert action.edit.document_changes is None
    assert action.edit.changes is not None
    assert apply_text_edits(TEXT, list(action.edit.changes[URI])) == FIXED


async def test_edit_is_resolved_lazily_when_the_client_can(server: RecordingClient) -> None:
    await start(server, capabilities(resolve_edits=True))
    diagnostic = await open_with_ll101(server)

    action = next(a for a in await request_actions(server, diagnostic) if a.title == TITLE)
    assert action.edit is None, "the libcst rewrite should wait for the user's pick"
    resolved = await server.code_action_resolve_async(action)
    assert resolved.edit is not None and resolved.edit.document_changes
    (change,) = resolved.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    edits = [edit for edit in change.edits if isinstance(edit, types.TextEdit)]
    assert apply_text_edits(TEXT, edits) == FIXED


async def test_no_quick_fixes_when_the_client_asks_for_other_kinds(
    server: RecordingClient,
) -> None:
    await start(server, capabilities())
    diagnostic = await open_with_ll101(server)
    assert await request_actions(server, diagnostic, only=["refactor"]) == []
    assert await request_actions(server, diagnostic, only=["quickfix"]) != []


async def test_a_fix_that_no_longer_applies_yields_no_action(server: RecordingClient) -> None:
    await start(server, capabilities())
    diagnostic = await open_with_ll101(server)
    assert diagnostic.data is not None
    # The diagnostic names a layer the document does not have (stale or foreign data).
    for fix in diagnostic.data["fixes"]:
        fix["data"]["name"] = "no_such_layer"
    seen = len(server.log_messages)

    assert await request_actions(server, diagnostic) == []
    assert any(TITLE in message.message for message in server.log_messages[seen:])
