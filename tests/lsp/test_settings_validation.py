"""Invalid settings in the editor: one `window/showMessage` warning naming the key and the
default used instead, and the diagnostics keep coming (end to end, real server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_client import (
    EXAMPLE,
    RecordingClient,
    capabilities,
    codes,
    line_range,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

TEXT = EXAMPLE.read_text()


def warnings(client: RecordingClient) -> list[str]:
    return [message.message for message in client.messages
            if message.type == types.MessageType.Warning and "invalid settings" in message.message]


async def open_model(client: RecordingClient, folder: Path) -> tuple[str, list[str]]:
    model = folder / "model.py"
    model.write_text(TEXT)
    open_document(client, model.as_uri(), TEXT, version=1)
    published = await wait_for_publish(client, model.as_uri(), version=1)
    return model.as_uri(), codes(list(published.diagnostics))


async def test_bad_pyproject_value_warns_once_and_keeps_the_rest(
    server: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.layerlint]\nseverity = { LL101 = "warn" }\nignore = ["LL103"]\n')
    await start(server, capabilities(), root=tmp_path)
    uri, found = await open_model(server, tmp_path)

    assert "LL101" in found and "LL103" not in found  # the valid `ignore` still applies
    shown = warnings(server)
    assert len(shown) == 1
    assert "`severity.LL101`" in shown[0] and '"warn"' in shown[0]
    assert "the rule's own severity" in shown[0] and str(tmp_path / "pyproject.toml") in shown[0]

    # Later analyses of the same settings do not repeat the warning.
    replace_range(server, uri, 2, line_range(TEXT, 0), "# edited")
    await wait_for_publish(server, uri, version=2)
    assert len(warnings(server)) == 1


async def test_invalid_toml_warns_with_the_parser_line(
    server: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nselect = "LL1\nignore = []\n')
    await start(server, capabilities(), root=tmp_path)
    _, found = await open_model(server, tmp_path)

    assert "LL101" in found
    (shown,) = warnings(server)
    assert "not valid TOML" in shown and "line 2" in shown and "the defaults" in shown


async def test_bad_editor_settings_warn_and_fall_back(
    server: RecordingClient, tmp_path: Path
) -> None:
    options = {"layerlint": {"select": "LL2", "failOn": "severe", "ignore": ["LL103"],
                             "interpreter": "/a/client/only/setting"}}
    await start(server, capabilities(), initialization_options=options, root=tmp_path)
    uri, found = await open_model(server, tmp_path)

    # `select` fell back to "all rules" (not the characters L, L, 2); `ignore` applies.
    assert "LL101" in found and "LL103" not in found
    (shown,) = warnings(server)
    assert "`select`" in shown and "`failOn`" in shown and "interpreter" not in shown
    assert 'the default "warning"' in shown

    server.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"layerlint": {"traceDevice": "tpu"}}))

    async def second_warning() -> None:
        while len(warnings(server)) < 2:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(second_warning(), 20)
    assert "`traceDevice`" in warnings(server)[1]
    assert (await wait_for_publish(server, uri, version=1, after=1)).diagnostics
