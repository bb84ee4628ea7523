"""No fix at stale positions: a quick-fix for a diagnostic of an older version is refused (with
the reason), and a lazily resolved fix whose document moved on gets no edit and a message."""

from __future__ import annotations

import asyncio

from lsp_client import (
    EXAMPLE,
    RecordingClient,
    apply_text_edits,
    capabilities,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
TEXT = EXAMPLE.read_text()
TITLE = "Split bn into bn_1/bn_2"
TOP = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))


def end_of(text: str) -> types.Range:
    lines = text.split("\n")
    position = types.Position(line=len(lines) - 1, character=len(lines[-1]))
    return types.Range(start=position, end=position)


async def ll101_at(client: RecordingClient, version: int) -> types.Diagnostic:
    published = await wait_for_publish(client, URI, version=version)
    return next(item for item in published.diagnostics if item.code == "LL101")


async def actions_for(client: RecordingClient, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def test_a_diagnostic_from_an_older_version_gets_a_disabled_action(
    server: RecordingClient,
) -> None:
    caps = capabilities()
    assert caps.text_document and caps.text_document.code_action
    caps.text_document.code_action.disabled_support = True
    await start(server, caps)
    open_document(server, URI, TEXT, version=1)
    old = await ll101_at(server, 1)

    # Two lines typed above the model: every fix position in the old diagnostic is now wrong.
    replace_range(server, URI, 2, TOP, "import os\nimport sys\n")
    new = await ll101_at(server, 2)
    assert new.range.start.line == old.range.start.line + 2

    (refused,) = await actions_for(server, old)
    assert refused.title == TITLE and refused.edit is None
    assert refused.disabled is not None and "changed" in refused.disabled.reason

    (offered,) = [action for action in await actions_for(server, new) if action.title == TITLE]
    assert offered.disabled is None and offered.edit is not None


async def test_without_disabled_support_the_stale_fix_is_left_out(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    old = await ll101_at(server, 1)
    replace_range(server, URI, 2, TOP, "import os\n")
    await wait_for_publish(server, URI, version=2)
    seen = len(server.log_messages)

    assert await actions_for(server, old) == []
    assert any("not offered" in message.message for message in server.log_messages[seen:])


async def test_an_edit_that_moves_nothing_keeps_the_fix(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    old = await ll101_at(server, 1)
    replace_range(server, URI, 2, end_of(TEXT), "# a comment at the end\n")
    await wait_for_publish(server, URI, version=2)

    (action,) = [action for action in await actions_for(server, old) if action.title == TITLE]
    assert action.edit is not None and action.edit.document_changes
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 2


async def test_resolving_after_an_edit_is_refused_with_a_message(server: RecordingClient) -> None:
    await start(server, capabilities(resolve_edits=True))
    open_document(server, URI, TEXT, version=1)
    diagnostic = await ll101_at(server, 1)
    (action,) = [action for action in await actions_for(server, diagnostic)
                 if action.title == TITLE]
    assert action.edit is None

    replace_range(server, URI, 2, TOP, "import os\n")
    await wait_for_publish(server, URI, version=2)
    resolved = await server.code_action_resolve_async(action)
    assert resolved.edit is None

    async def warned() -> types.ShowMessageParams:
        while True:
            for message in server.messages:
                if "not applied" in message.message and TITLE in message.message:
                    return message
            await asyncio.sleep(0.02)

    message = await asyncio.wait_for(warned(), 20)
    assert message.type == types.MessageType.Warning

    # Asked again on the new text, the fix applies where the code now is.
    fresh = await ll101_at(server, 2)
    (again,) = [action for action in await actions_for(server, fresh) if action.title == TITLE]
    resolved = await server.code_action_resolve_async(again)
    assert resolved.edit is not None and resolved.edit.document_changes
    (change,) = resolved.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    edits = [edit for edit in change.edits if isinstance(edit, types.TextEdit)]
    fixed = apply_text_edits("import os\n" + TEXT, edits)
    assert "self.bn_1(self.conv_1(x))" in fixed and fixed.startswith("import os\n")
