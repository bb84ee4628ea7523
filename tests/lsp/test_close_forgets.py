"""didClose forgets what the analysis kept between versions of the document (its blocks, its
block memo, its last good findings), while other open documents keep theirs."""

from __future__ import annotations

import json
from pathlib import Path

from lsp_client import (
    EXAMPLE,
    KEPT_DOCUMENTS_FILE,
    RecordingClient,
    capabilities,
    open_document,
    start,
    wait_for_publish,
)
from lsprotocol import types
from pygls.uris import to_fs_path

TEXT = EXAMPLE.read_text()


async def test_closed_document_is_forgotten(
    instrumented_server: RecordingClient, tmp_path: Path
) -> None:
    client = instrumented_server
    await start(client, capabilities())
    closed_uri = (tmp_path / "closed.py").as_uri()
    kept_uri = (tmp_path / "kept.py").as_uri()
    for uri in (closed_uri, kept_uri):
        open_document(client, uri, TEXT, version=1)
        published = await wait_for_publish(client, uri, version=1)
        assert "LL101" in [item.code for item in published.diagnostics]
    seen = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=closed_uri))
    )
    await wait_for_publish(client, closed_uri, after=seen)
    await client.shutdown_session()
    client.capabilities = None  # the fixture must not shut down twice

    kept = json.loads(KEPT_DOCUMENTS_FILE.read_text())
    closed_path, kept_path = to_fs_path(closed_uri), to_fs_path(kept_uri)
    for state in ("document_state", "block_memo", "last_good"):
        assert closed_path not in kept[state], state
        assert kept_path in kept[state], state
