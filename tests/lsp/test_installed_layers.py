"""Layers of installed packages in the editor: the first publish does not wait for jedi, and the
answer re-publishes the document with the finding it enables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from lsp_client import RecordingClient, capabilities, codes, open_document, start, wait_for_publish

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "reuse"
           / "ll101_installed_package_block_chain.py")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras_hub") is None, reason="keras-hub is not installed"
)


async def test_an_installed_layer_is_resolved_off_the_typing_path(server: RecordingClient) -> None:
    await start(server, capabilities())
    uri = FIXTURE.as_uri()
    open_document(server, uri, FIXTURE.read_text(), version=1)
    first = await wait_for_publish(server, uri, version=1)
    assert "LL101" not in codes(list(first.diagnostics))  # published before jedi answered
    after = server.published.index(first) + 1
    again = await wait_for_publish(server, uri, version=1, after=after)
    assert codes(list(again.diagnostics)).count("LL101") == 1
