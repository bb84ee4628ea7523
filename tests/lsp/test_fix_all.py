"""`source.fixAll.layerlint`: the code action VS Code's `editor.codeActionsOnSave` asks for;
it applies every safe fix (here LL207's registration) and leaves unsafe ones (LL101's split)."""

from __future__ import annotations

from lsp_client import (
    ROOT,
    RecordingClient,
    apply_text_edits,
    capabilities,
    codes,
    open_document,
    start,
    wait_for_publish,
)
from lsprotocol import types

SOURCE = (ROOT / "tests" / "fixtures" / "custom" / "b_ll207_subclassed_model_saved.py").read_text()
REUSE = (ROOT / "examples" / "feature_extractor.py").read_text()
URI = (ROOT / "tests" / "fixtures" / "custom" / "fix_all_probe.py").as_uri()


async def actions_for(client: RecordingClient, only: list[str] | None) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def test_fix_all_applies_safe_fixes_only(server: RecordingClient) -> None:
    await start(server, capabilities())
    open_document(server, URI, SOURCE, version=1)
    published = await wait_for_publish(server, URI, version=1)
    assert "LL207" in codes(list(published.diagnostics))

    (action,) = await actions_for(server, ["source.fixAll"])
    assert action.kind == "source.fixAll.layerlint"
    (change,) = action.edit.document_changes
    assert (change.text_document.uri, change.text_document.version) == (URI, 1)
    fixed = apply_text_edits(SOURCE, list(change.edits))
    assert "@keras.saving.register_keras_serializable()\nclass Forecaster" in fixed
    assert [a.kind for a in await actions_for(server, ["source.fixAll.layerlint"])] == [
        "source.fixAll.layerlint"]


async def test_fix_all_is_not_offered_for_quick_fix_requests_or_unsafe_fixes(
    server: RecordingClient,
) -> None:
    await start(server, capabilities())
    open_document(server, URI, REUSE, version=1)
    published = await wait_for_publish(server, URI, version=1)
    assert "LL101" in codes(list(published.diagnostics))
    assert await actions_for(server, ["source.fixAll"]) == []  # the split is unsafe
    assert all(a.kind != "source.fixAll.layerlint" for a in await actions_for(server, None))
