"""layerlint behind jupyter-lsp: a real Jupyter server, `GET /lsp/status`, and LSP over the
`/lsp/ws/<key>` websocket with a notebook's virtual document, as JupyterLab's frontend sends it.

One Jupyter server and one language-server connection serve the whole module (jupyter-lsp
shares a server process between all connections to a key, so it is initialized once).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jupyter_lsp", reason="jupyter-lsp is not installed (scripts/ci_jupyter.sh)")
pytest.importorskip("jupyter_server", reason="jupyter-server is not installed")
pytest.importorskip("websocket", reason="websocket-client is not installed")

from jupyter_process import JupyterServer, layerlint_registration, running_jupyter
from jupyterlab_virtual_document import VirtualDocument, virtual_document
from lsp_websocket import LspWebSocket
from notebook_examples import FIRST_CALL, MODEL_CELL, SECOND_CALL, cell_position, example_cells

from layerlint.analysis import analyse
from layerlint.jupyter_spec import SERVER_KEY

SPLIT_TITLE = "Split bn into bn_1/bn_2"


def initialize(socket: LspWebSocket, root: Path) -> dict[str, Any]:
    capabilities = {
        "textDocument": {
            "synchronization": {"dynamicRegistration": True},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
            "codeAction": {
                "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}
            },
        },
        "workspace": {"workspaceFolders": True},
    }
    result = socket.request(
        "initialize",
        {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities,
         "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]},
    )
    socket.notify("initialized", {})
    return result


def open_document(socket: LspWebSocket, uri: str, text: str, version: int = 1) -> None:
    document = {"uri": uri, "languageId": "python", "version": version, "text": text}
    socket.notify("textDocument/didOpen", {"textDocument": document})


def ll101(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in diagnostics if item.get("code") == "LL101"]


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(position: dict[str, int]) -> int:
        return offsets[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda item: offset(item["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def document_edits(edit: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    if edit.get("documentChanges"):
        return [item for change in edit["documentChanges"]
                if change["textDocument"]["uri"] == uri for item in change["edits"]]
    return edit["changes"][uri]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    root = tmp_path_factory.mktemp("notebooks")
    home = tmp_path_factory.mktemp("jupyter-home")
    with running_jupyter("server", root, home, server_config=layerlint_registration()) as server:
        yield server


@pytest.fixture(scope="module")
def layerlint_socket(jupyter: JupyterServer) -> Iterator[LspWebSocket]:
    socket = LspWebSocket(f"{jupyter.ws_url}/lsp/ws/{SERVER_KEY}")
    initialize(socket, jupyter.root)
    yield socket
    socket.request("shutdown", None)
    socket.close()


def test_status_lists_layerlint(jupyter: JupyterServer) -> None:
    status = jupyter.get_json("/lsp/status")

    spec = status["sessions"][SERVER_KEY]["spec"]
    assert spec["display_name"] == "layerlint"
    assert spec["languages"] == ["python"]
    assert "text/x-ipython" in spec["mime_types"]
    assert spec["requires_documents_on_disk"] is False


@pytest.mark.parametrize(
    "location",
    [
        pytest.param("{root}/demo.ipynb", id="notebook-uri"),  # what JupyterLab sends to us
        pytest.param("{root}/.virtual_documents/demo.ipynb", id="virtual-documents-uri"),
    ],
)
def test_notebook_document_gets_ll101_on_the_cell_line(
    layerlint_socket: LspWebSocket, jupyter: JupyterServer, location: str
) -> None:
    cells = example_cells()
    document = virtual_document(cells)
    uri = location.format(root=jupyter.root.as_uri())
    open_document(layerlint_socket, uri, document.text)

    diagnostics = layerlint_socket.wait_for_diagnostics(uri)

    [diagnostic] = ll101(diagnostics)
    line, character = cell_position(cells, MODEL_CELL, SECOND_CALL)
    assert diagnostic["range"]["start"] == {
        "line": document.line_of(MODEL_CELL, line), "character": character,
    }
    first_line, _ = cell_position(cells, MODEL_CELL, FIRST_CALL)
    [related] = diagnostic["relatedInformation"]
    assert related["location"]["uri"] == uri
    assert related["location"]["range"]["start"]["line"] == document.line_of(MODEL_CELL, first_line)
    assert diagnostic["source"] == "layerlint"
    layerlint_socket.notify("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_quick_fix_edits_only_the_model_cell(
    layerlint_socket: LspWebSocket, jupyter: JupyterServer
) -> None:
    cells = example_cells()
    document = virtual_document(cells)
    uri = f"{jupyter.root.as_uri()}/fix-me.ipynb"
    open_document(layerlint_socket, uri, document.text)
    [diagnostic] = ll101(layerlint_socket.wait_for_diagnostics(uri))

    actions = layerlint_socket.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diagnostic["range"],
         "context": {"diagnostics": [diagnostic]}},
    )

    [action] = [item for item in actions if item["title"] == SPLIT_TITLE]
    edits = document_edits(action["edit"], uri)
    model_lines = model_cell_lines(document, cells)
    for edit in edits:
        assert edit["range"]["start"]["line"] in model_lines
        assert edit["range"]["end"]["line"] in model_lines
    fixed = apply_edits(document.text, edits)
    ast.parse(fixed)
    assert [finding.code for finding in analyse(fixed).findings if finding.code == "LL101"] == []
    # The edited document goes back to the server as JupyterLab would send it.
    after = len(layerlint_socket.received)
    layerlint_socket.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]},
    )
    assert ll101(layerlint_socket.wait_for_diagnostics(uri, after=after)) == []


def model_cell_lines(document: VirtualDocument, cells: list[tuple[str, str]]) -> range:
    """Virtual document lines of the model cell, plus the line right after it (an edit may
    end at the start of the next line)."""
    start = document.line_of(MODEL_CELL, 0)
    return range(start, start + cells[MODEL_CELL][1].count("\n") + 2)


PYLSP_PLUGIN_INSTALLED = any(
    entry.value == "layerlint.pylsp_plugin" for entry in entry_points(group="pylsp")
)


@pytest.mark.skipif(
    not PYLSP_PLUGIN_INSTALLED,
    reason="the `pylsp` entry point `layerlint = layerlint.pylsp_plugin` is not installed",
)
def test_pylsp_route_shows_layerlint_findings(jupyter: JupyterServer) -> None:
    pytest.importorskip("pylsp", reason="python-lsp-server is not installed")
    status = jupyter.get_json("/lsp/status")
    assert "pylsp" in status["sessions"], sorted(status["sessions"])
    cells = example_cells()
    document = virtual_document(cells)
    # pylsp's spec keeps jupyter-lsp's default `requires_documents_on_disk`, so JupyterLab
    # names its documents under `.virtual_documents/`.
    uri = f"{jupyter.root.as_uri()}/.virtual_documents/demo.ipynb"
    socket = LspWebSocket(f"{jupyter.ws_url}/lsp/ws/pylsp")
    try:
        initialize(socket, jupyter.root)
        open_document(socket, uri, document.text)

        found = socket.wait_for(
            lambda item: item.get("method") == "textDocument/publishDiagnostics"
            and item["params"]["uri"] == uri and ll101(item["params"]["diagnostics"])
        )
    finally:
        socket.close()

    [diagnostic] = ll101(found["params"]["diagnostics"])
    line, character = cell_position(cells, MODEL_CELL, SECOND_CALL)
    assert diagnostic["source"] == "layerlint"
    assert diagnostic["range"]["start"] == {
        "line": document.line_of(MODEL_CELL, line), "character": character,
    }
