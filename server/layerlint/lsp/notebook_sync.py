"""Notebook document sync (LSP 3.17): `notebookDocument/didOpen`, `didChange`, `didClose`.

Editors such as VS Code send `.ipynb` notebooks this way rather than cell by cell as text
documents. The server advertises sync for Python cells of any notebook type; the code cells
are analysed together as one program (`notebook_map.py`), and each finding is published on
its own cell's URI with cell-relative positions.
"""

from __future__ import annotations

from lsprotocol import types

from layerlint.lsp import project_index, publish
from layerlint.lsp.session import LayerlintServer

SYNC_OPTIONS = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            notebook="*", cells=[types.NotebookCellLanguage(language="python")]
        )
    ]
)


def register(server: LayerlintServer) -> None:
    server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)(did_close)


def did_open(ls: LayerlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
    cells = [cell.uri for cell in params.cell_text_documents]
    with project_index.document_activity(ls):  # the project index waits for a pause
        publish.document_opened(ls, params.notebook_document.uri, cells)


def did_change(ls: LayerlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
    cells = params.change.cells
    structure = cells.structure if cells else None
    removed = [cell.uri for cell in (structure.did_close or [])] if structure else []
    if removed:
        publish.clear(ls, removed)
    changed = [item.document.uri for item in (cells.text_content or [])] if cells else []
    added = [cell.uri for cell in (structure.did_open or [])] if structure else []
    with project_index.document_activity(ls):
        publish.document_changed(ls, params.notebook_document.uri, [*removed, *added, *changed])


def did_close(ls: LayerlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
    cells = [cell.uri for cell in params.cell_text_documents]
    publish.document_closed(ls, params.notebook_document.uri, cells)
