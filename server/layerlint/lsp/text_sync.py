"""Text document sync: `textDocument/didOpen`, `didChange` (incremental), `didClose`.

pygls applies the edits to its in-memory copy before these handlers run; each handler then
has the diagnostics re-shown for the document's new version (pushed, or left for the client
to pull). The analysis is synchronous and fast (it is cached per top-level block), so it runs
right here: a handler finishes before the next edit is read, which also guarantees that
diagnostics are published in version order. Untitled documents are handled like files.
"""

from __future__ import annotations

from lsprotocol import types

from layerlint.lsp import project_index, publish
from layerlint.lsp.session import LayerlintServer


def register(server: LayerlintServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)


def did_open(ls: LayerlintServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    with project_index.document_activity(ls):  # the project index waits for a pause
        project_index.document_opened(ls, uri)  # built after the first analysis, never before
        publish.document_opened(ls, uri, [uri])


def did_change(ls: LayerlintServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    with project_index.document_activity(ls):
        publish.document_changed(ls, uri, [uri])


def did_close(ls: LayerlintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    publish.document_closed(ls, uri, [uri])
