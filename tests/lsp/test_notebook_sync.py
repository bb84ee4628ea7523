"""Notebooks end to end: a reuse bug spread over two cells, published and fixed per cell."""

from __future__ import annotations

from lsp_client import (
    ROOT,
    RecordingClient,
    apply_text_edits,
    capabilities,
    codes,
    start,
    wait_for_publish,
)
from lsprotocol import types

NOTEBOOK = (ROOT / "examples" / "untitled-model.ipynb").as_uri()
CELLS = [
    ("imports", types.NotebookCellKind.Code, "python",
     "%matplotlib inline\nimport keras\nimport numpy as np"),
    ("title", types.NotebookCellKind.Markup, "markdown", "## The model"),
    ("layers", types.NotebookCellKind.Code, "python",
     "inputs = keras.Input((16, 16, 3))\nnorm = keras.layers.BatchNormalization()"),
    ("graph", types.NotebookCellKind.Code, "python",
     "!pip list\n"
     "x = norm(keras.layers.Conv2D(6, 3)(inputs))\n"
     "x = norm(keras.layers.Conv2D(16, 3)(x))\n"
     "model = keras.Model(inputs, x)"),
]
TEXTS = {name: text for name, _, _, text in CELLS}
TITLE = "Split norm into norm_1/norm_2"


def cell_uri(name: str) -> str:
    return f"vscode-notebook-cell:/work/main/examples/untitled-model.ipynb#{name}"


def open_notebook(client: RecordingClient) -> None:
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=NOTEBOOK,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=kind, document=cell_uri(name))
                    for name, kind, _, _ in CELLS
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=cell_uri(name), language_id=language, version=1, text=text
                )
                for name, _, language, text in CELLS
            ],
        )
    )


def change_cells(
    client: RecordingClient, version: int, edits: dict[str, tuple[int, list[types.TextEdit]]]
) -> None:
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=version, uri=NOTEBOOK
            ),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(
                                uri=uri, version=cell_version
                            ),
                            changes=[
                                types.TextDocumentContentChangePartial(
                                    range=edit.range, text=edit.new_text
                                )
                                for edit in sorted(
                                    text_edits,
                                    key=lambda e: (e.range.start.line, e.range.start.character),
                                    reverse=True,
                                )
                            ],
                        )
                        for uri, (cell_version, text_edits) in edits.items()
                    ]
                )
            ),
        )
    )


async def test_bug_over_two_cells_is_reported_on_its_cell(server: RecordingClient) -> None:
    await start(server, capabilities(notebooks=True))
    open_notebook(server)
    graph = await wait_for_publish(server, cell_uri("graph"), version=1)
    layers = await wait_for_publish(server, cell_uri("layers"), version=1)

    ll101 = [item for item in graph.diagnostics if item.code == "LL101"]
    assert len(ll101) == 1
    # Cell-relative: the second `norm(` call is the cell's third line.
    assert ll101[0].range.start.line == 2
    assert ll101[0].range.start.character == len("x = ")
    assert "LL101" not in codes(list(layers.diagnostics))
    assert all(params.uri != cell_uri("title") for params in server.published)
    for related in ll101[0].related_information or []:
        assert related.location.uri in {cell_uri("layers"), cell_uri("graph")}


async def test_split_fix_edits_both_cells(server: RecordingClient) -> None:
    await start(server, capabilities(notebooks=True))
    open_notebook(server)
    graph = await wait_for_publish(server, cell_uri("graph"), version=1)
    diagnostic = next(item for item in graph.diagnostics if item.code == "LL101")

    actions = await server.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri("graph")),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    action = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == TITLE)
    assert action.edit is not None and action.edit.document_changes
    edits = {
        change.text_document.uri: [e for e in change.edits if isinstance(e, types.TextEdit)]
        for change in action.edit.document_changes
        if isinstance(change, types.TextDocumentEdit)
    }
    assert set(edits) == {cell_uri("layers"), cell_uri("graph")}
    assert apply_text_edits(TEXTS["layers"], edits[cell_uri("layers")]) == (
        "inputs = keras.Input((16, 16, 3))\n"
        "norm_1 = keras.layers.BatchNormalization()\n"
        "norm_2 = keras.layers.BatchNormalization()"
    )
    assert apply_text_edits(TEXTS["graph"], edits[cell_uri("graph")]) == (
        "!pip list\n"
        "x = norm_1(keras.layers.Conv2D(6, 3)(inputs))\n"
        "x = norm_2(keras.layers.Conv2D(16, 3)(x))\n"
        "model = keras.Model(inputs, x)"
    )

    seen = len(server.published)
    change_cells(
        server, 2, {uri: (2, cell_edits) for uri, cell_edits in edits.items()}
    )
    fixed = await wait_for_publish(server, cell_uri("graph"), version=2, after=seen)
    assert "LL101" not in codes(list(fixed.diagnostics))


async def test_editing_one_cell_updates_another(server: RecordingClient) -> None:
    await start(server, capabilities(notebooks=True))
    open_notebook(server)
    await wait_for_publish(server, cell_uri("graph"), version=1)
    seen = len(server.published)

    # Rename the layer in the definition cell only: the calls in the graph cell no longer
    # refer to a BatchNormalization, so the graph cell's LL101 goes away at its old version.
    line = types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=4)
    )
    change_cells(server, 2, {cell_uri("layers"): (2, [types.TextEdit(range=line, new_text="nrm")])})
    graph = await wait_for_publish(server, cell_uri("graph"), version=1, after=seen)
    assert "LL101" not in codes(list(graph.diagnostics))


async def test_close_clears_every_cell(server: RecordingClient) -> None:
    await start(server, capabilities(notebooks=True))
    open_notebook(server)
    await wait_for_publish(server, cell_uri("graph"), version=1)
    seen = len(server.published)

    server.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=NOTEBOOK),
            cell_text_documents=[
                types.TextDocumentIdentifier(uri=cell_uri(name)) for name, *_ in CELLS
            ],
        )
    )
    graph = await wait_for_publish(server, cell_uri("graph"), after=seen)
    assert list(graph.diagnostics) == []


async def test_pulled_cell_diagnostics_and_refresh_on_cell_edits(server: RecordingClient) -> None:
    await start(server, capabilities(notebooks=True, pull=True))
    open_notebook(server)

    report = await server.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=cell_uri("graph")))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert [item.range.start.line for item in report.items if item.code == "LL101"] == [2]

    # An edit in one cell can change another cell's diagnostics: the client is told to re-pull.
    line = types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=4)
    )
    change_cells(server, 2, {cell_uri("layers"): (2, [types.TextEdit(range=line, new_text="nrm")])})
    report = await server.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=cell_uri("graph")))
    )
    assert server.diagnostic_refresh_count >= 1
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert "LL101" not in codes(list(report.items))
    assert server.published == []
