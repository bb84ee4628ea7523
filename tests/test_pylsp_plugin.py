"""The python-lsp-server plugin (layerlint/pylsp_plugin.py).

First its hooks called directly on pylsp's own workspace and document objects, then a real
`pylsp` over stdio that loads the plugin through its `pylsp` entry point (skipped, with the
reason, while the entry point is not installed).
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from lsprotocol import types

from layerlint.analysis import analyse

pylsp_config = pytest.importorskip("pylsp.config.config", reason="python-lsp-server is not installed")
pylsp_workspace = pytest.importorskip("pylsp.workspace")

from layerlint import pylsp_plugin  # noqa: E402  (needs pylsp, checked just above)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
SECOND_CALL = "self.bn(self.conv_2(x))"
SPLIT_TITLE = "Split bn into bn_1/bn_2"
TIMEOUT = 30.0


def second_call_position(text: str) -> tuple[int, int]:
    """0-based (line, character) of the reused `self.bn` on the line of its second call."""
    for number, line in enumerate(text.split("\n")):
        if SECOND_CALL in line:
            return number, line.index(SECOND_CALL)
    raise AssertionError("the example no longer calls self.bn after conv_2")


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """`text` after LSP text edits (dicts), applied from the last to the first."""
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


def example_cells() -> list[str]:
    """The example as a notebook: imports, a magic, the model class."""
    imports, model = EXAMPLE_TEXT.split("\n\n\nclass ", 1)
    return [imports, "%matplotlib inline", "class " + model.split("\n\n\nif __name__")[0]]


def ll101_count(text: str, path: str | None = None) -> int:
    return sum(finding.code == "LL101" for finding in analyse(text, path=path).findings)


@pytest.fixture
def workspace(tmp_path: Path) -> Any:
    root_uri = tmp_path.as_uri()
    config = pylsp_config.Config(root_uri, {}, 0, {})
    return pylsp_workspace.Workspace(root_uri, mock.Mock(), config=config)


def open_text(workspace: Any, path: Path, text: str) -> Any:
    workspace.put_document(path.as_uri(), text)
    return workspace.get_document(path.as_uri())


def lint(workspace: Any, document: Any) -> list[dict[str, Any]]:
    return pylsp_plugin.pylsp_lint(workspace._config, workspace, document, is_saved=True)


def code_actions(workspace: Any, document: Any, diagnostics: list[dict]) -> list[dict[str, Any]]:
    context = {"diagnostics": diagnostics}
    return pylsp_plugin.pylsp_code_actions(
        workspace._config, workspace, document, diagnostics[0]["range"], context
    )


def test_lint_reports_ll101_on_the_second_call(workspace: Any, tmp_path: Path) -> None:
    document = open_text(workspace, tmp_path / "model.py", EXAMPLE_TEXT)

    diagnostics = lint(workspace, document)

    line, character = second_call_position(EXAMPLE_TEXT)
    [diagnostic] = [item for item in diagnostics if item["code"] == "LL101"]
    assert diagnostic["source"] == "layerlint"
    assert diagnostic["severity"] == types.DiagnosticSeverity.Error.value
    assert diagnostic["range"]["start"] == {"line": line, "character": character}
    assert diagnostic["range"]["end"] == {"line": line, "character": character + len("self.bn")}
    assert [fix["title"] for fix in diagnostic["data"]["fixes"]] == [SPLIT_TITLE]
    first_call_line = next(
        number for number, text in enumerate(EXAMPLE_TEXT.split("\n")) if "self.bn(self.conv_1" in text
    )
    [related] = diagnostic["relatedInformation"]
    assert related["location"]["range"]["start"]["line"] == first_call_line


def test_plugin_settings_override_pyproject(workspace: Any, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nselect = ["LL2"]\n')
    document = open_text(workspace, tmp_path / "model.py", EXAMPLE_TEXT)
    assert lint(workspace, document) == []

    workspace._config.update({"plugins": {"layerlint": {"select": ["LL1"]}}})
    assert [item["code"] for item in lint(workspace, document)] == ["LL101"]

    workspace._config.update({"plugins": {"layerlint": {"select": ["LL1"], "ignore": ["LL101"]}}})
    assert lint(workspace, document) == []


def test_ipython_lines_do_not_hide_findings(workspace: Any, tmp_path: Path) -> None:
    # pylsp lints a notebook document as its raw cells joined with newlines, magics included.
    magics = "%matplotlib inline\n!pip list\nfiles = !ls\n%%time\n"
    text = magics + EXAMPLE_TEXT
    document = open_text(workspace, tmp_path / "cells.ipynb", text)

    diagnostics = lint(workspace, document)

    line, _ = second_call_position(text)
    assert [item["range"]["start"]["line"] for item in diagnostics if item["code"] == "LL101"] == [line]


def test_virtual_document_resolves_imports_next_to_the_notebook(
    workspace: Any, tmp_path: Path
) -> None:
    # JupyterLab hands pylsp `ROOT/.virtual_documents/sub/nb.ipynb` for `ROOT/sub/nb.ipynb`;
    # `from blocks import ConvBlock` means `ROOT/sub/blocks.py`.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "blocks.py").write_text(
        "from keras import layers\n\n\n"
        "class ConvBlock(layers.Layer):\n"
        "    def __init__(self, filters):\n"
        "        super().__init__()\n"
        "        self.conv = layers.Conv2D(filters, 3, padding='same')\n"
        "        self.norm = layers.BatchNormalization()\n\n"
        "    def call(self, x):\n"
        "        return self.norm(self.conv(x))\n"
    )
    notebook_text = (
        "import keras\nfrom blocks import ConvBlock\n\n\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.block = ConvBlock(16)\n\n"
        "    def call(self, x):\n"
        "        x = self.block(x)\n"
        "        return self.block(x)\n"
    )
    virtual = tmp_path / ".virtual_documents" / "sub" / "nb.ipynb"
    document = open_text(workspace, virtual, notebook_text)

    codes = [item["code"] for item in lint(workspace, document)]

    assert codes == ["LL101"]
    # Seen from the virtual folder itself, the import resolves to nothing: the mapping matters.
    assert ll101_count(notebook_text, path=str(virtual)) == 0


def test_code_action_splits_the_layer(workspace: Any, tmp_path: Path) -> None:
    document = open_text(workspace, tmp_path / "model.py", EXAMPLE_TEXT)
    diagnostics = [item for item in lint(workspace, document) if item["code"] == "LL101"]

    [action] = code_actions(workspace, document, diagnostics)

    assert action["title"] == SPLIT_TITLE
    assert action["kind"] == "quickfix"
    assert action["diagnostics"] == diagnostics
    [(uri, edits)] = action["edit"]["changes"].items()
    assert uri == document.uri
    # Only the changed lines are replaced, never the whole module.
    assert all(edit["range"]["start"]["line"] > 0 for edit in edits)
    fixed = apply_edits(EXAMPLE_TEXT, edits)
    ast.parse(fixed)
    assert ll101_count(fixed) == 0
    assert "self.bn_1(self.conv_1(x))" in fixed and "self.bn_2(self.conv_2(x))" in fixed


def test_code_actions_ignore_other_sources_and_broken_fixes(
    workspace: Any, tmp_path: Path
) -> None:
    document = open_text(workspace, tmp_path / "model.py", EXAMPLE_TEXT)
    [ours] = lint(workspace, document)
    pyflakes = {**ours, "source": "pyflakes", "code": None}
    unknown_fix = {**ours, "data": {"fixes": [{"title": "Nope", "kind": "no-such-fix", "data": {}}]}}

    assert code_actions(workspace, document, [pyflakes]) == []
    assert code_actions(workspace, document, [unknown_fix]) == []


def test_code_action_in_a_notebook_cell_edits_the_cells(workspace: Any, tmp_path: Path) -> None:
    cells = example_cells()
    notebook_uri = (tmp_path / "nb.ipynb").as_uri()
    cell_uris = [f"{notebook_uri}#cell{index}" for index in range(len(cells))]
    workspace.put_notebook_document(notebook_uri, "jupyter-notebook", [
        {"kind": 2, "document": uri} for uri in cell_uris
    ])
    for uri, text in zip(cell_uris, cells):
        workspace.put_cell_document(uri, notebook_uri, "python", text)
    # What pylsp does to lint a notebook: one document of the cells joined with newlines, its
    # diagnostics moved to the cell they fall in.
    joined = open_text(workspace, tmp_path / "joined", "\n".join(cells))
    [diagnostic] = lint(workspace, joined)
    model_start = cells[0].count("\n") + 2
    diagnostic["range"]["start"]["line"] -= model_start
    diagnostic["range"]["end"]["line"] -= model_start
    cell = workspace.get_cell_document(cell_uris[2])
    assert cell.lines[diagnostic["range"]["start"]["line"]].strip().startswith("x = self.maxpool")

    [action] = code_actions(workspace, cell, [diagnostic])

    changes = action["edit"]["changes"]
    assert list(changes) == [cell_uris[2]]
    fixed_cells = [apply_edits(text, changes.get(uri, [])) for uri, text in zip(cell_uris, cells)]
    assert fixed_cells[:2] == cells[:2]
    assert ll101_count("\n".join(fixed_cells).replace("%matplotlib inline", "")) == 0


# --- a real pylsp over stdio ------------------------------------------------------------

PLUGIN_INSTALLED = any(
    entry.value == "layerlint.pylsp_plugin" for entry in entry_points(group="pylsp")
)
needs_entry_point = pytest.mark.skipif(
    not PLUGIN_INSTALLED,
    reason="the `pylsp` entry point `layerlint = layerlint.pylsp_plugin` is not installed "
    "(pyproject.toml [project.entry-points.pylsp]; reinstall the package after adding it)",
)


class StdioClient:
    """A bare JSON-RPC client over a server's stdio; every wait has a timeout.

    (pytest-lsp's typed client cannot decode pylsp's `notebookDocumentSync` capability.)
    """

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = 0
            while (header := stream.readline()).strip():
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if not header:  # the server closed its output
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, method: str, params: Any, request_id: int | None = None) -> None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request_id is not None:
            message["id"] = request_id
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def wait_for(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                break
            if "id" in message and "method" in message:  # a server request: answer empty
                self.send_result(message["id"])
            elif matches(message):
                return message
        raise AssertionError(f"no matching message from the server within {TIMEOUT} s")

    def send_result(self, request_id: int) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": request_id, "result": None}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        request_id = next(self.ids)
        self.send(method, params, request_id)
        answer = self.wait_for(lambda message: message.get("id") == request_id)
        assert "error" not in answer, answer
        return answer["result"]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.request("shutdown", None)
            self.send("exit", None)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def pylsp_server(tmp_path: Path) -> Iterator[StdioClient]:
    client = StdioClient([sys.executable, "-m", "pylsp"], cwd=tmp_path)
    yield client
    client.close()


def initialize(client: StdioClient, root: Path) -> None:
    capabilities = {
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": True, "dataSupport": True},
            "codeAction": {
                "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}
            },
        },
        "notebookDocument": {"synchronization": {}},
    }
    client.request(
        "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities}
    )
    client.send("initialized", {})


def wait_for_publish(client: StdioClient, uri: str) -> list[dict[str, Any]]:
    published = client.wait_for(
        lambda message: message.get("method") == "textDocument/publishDiagnostics"
        and message["params"]["uri"] == uri
    )
    return published["params"]["diagnostics"]


def request_actions(client: StdioClient, uri: str, diagnostic: dict[str, Any]) -> list[dict]:
    context = {"diagnostics": [diagnostic]}
    params = {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": context}
    return client.request("textDocument/codeAction", params)


@needs_entry_point
def test_pylsp_serves_diagnostic_and_quick_fix(pylsp_server: StdioClient, tmp_path: Path) -> None:
    initialize(pylsp_server, tmp_path)
    uri = (tmp_path / "model.py").as_uri()
    document = {"uri": uri, "languageId": "python", "version": 1, "text": EXAMPLE_TEXT}
    pylsp_server.send("textDocument/didOpen", {"textDocument": document})

    diagnostics = wait_for_publish(pylsp_server, uri)

    [diagnostic] = [item for item in diagnostics if item.get("code") == "LL101"]
    assert diagnostic["source"] == "layerlint"
    line, character = second_call_position(EXAMPLE_TEXT)
    assert diagnostic["range"]["start"] == {"line": line, "character": character}
    [action] = [item for item in request_actions(pylsp_server, uri, diagnostic)
                if item["title"] == SPLIT_TITLE]
    fixed = apply_edits(EXAMPLE_TEXT, action["edit"]["changes"][uri])
    ast.parse(fixed)
    assert ll101_count(fixed) == 0


@needs_entry_point
def test_pylsp_notebook_document_gets_cell_diagnostic_and_cell_edit(
    pylsp_server: StdioClient, tmp_path: Path
) -> None:
    initialize(pylsp_server, tmp_path)
    cells = example_cells()
    notebook_uri = (tmp_path / "model.ipynb").as_uri()
    cell_uris = [f"{notebook_uri}#cell{index}" for index in range(len(cells))]
    pylsp_server.send("notebookDocument/didOpen", {
        "notebookDocument": {
            "uri": notebook_uri, "notebookType": "jupyter-notebook", "version": 1,
            "cells": [{"kind": 2, "document": uri} for uri in cell_uris],
        },
        "cellTextDocuments": [
            {"uri": uri, "languageId": "python", "version": 1, "text": text}
            for uri, text in zip(cell_uris, cells)
        ],
    })

    diagnostics = wait_for_publish(pylsp_server, cell_uris[2])

    [diagnostic] = [item for item in diagnostics if item.get("code") == "LL101"]
    line, character = second_call_position(cells[2])
    assert diagnostic["range"]["start"] == {"line": line, "character": character}
    [action] = request_actions(pylsp_server, cell_uris[2], diagnostic)
    changes = action["edit"]["changes"]
    assert list(changes) == [cell_uris[2]]
    fixed = apply_edits(cells[2], changes[cell_uris[2]])
    assert ll101_count(cells[0] + "\n" + fixed) == 0


# JupyterLab's virtual document of a notebook: a layer built in one cell, reused in the next.
JOINED = (
    "import keras\nfrom keras import layers\n\n\n"
    "bn = layers.BatchNormalization()\nconv_1 = layers.Conv2D(8, 3)\nconv_2 = layers.Conv2D(16, 3)\n\n\n"
    "inputs = keras.Input((32, 32, 3))\nx = bn(conv_1(inputs))\ny = bn(conv_2(x))\n"
)


def test_jupyterlab_virtual_document_messages_quote_the_code(workspace: Any, tmp_path: Path) -> None:
    folder = tmp_path / ".virtual_documents"
    folder.mkdir()
    document = open_text(workspace, folder / "reuse.ipynb", JOINED)

    [diagnostic] = [item for item in lint(workspace, document) if item["code"] == "LL101"]

    assert "after its first call on `x = bn(conv_1(inputs))`" in diagnostic["message"]


def test_lsp_notebook_messages_name_the_cell_and_its_line(workspace: Any, tmp_path: Path) -> None:
    cells = ["import keras\nfrom keras import layers",
             "bn = layers.BatchNormalization()\nconv_1 = layers.Conv2D(8, 3)\nconv_2 = layers.Conv2D(16, 3)",
             "inputs = keras.Input((32, 32, 3))\nx = bn(conv_1(inputs))\ny = bn(conv_2(x))"]
    notebook_uri = (tmp_path / "nb.ipynb").as_uri()
    cell_uris = [f"{notebook_uri}#cell{index}" for index in range(len(cells))]
    workspace.put_notebook_document(notebook_uri, "jupyter-notebook", [
        {"kind": 2, "document": uri} for uri in cell_uris
    ])
    for uri, text in zip(cell_uris, cells):
        workspace.put_cell_document(uri, notebook_uri, "python", text)
    # pylsp lints a notebook as its cells joined with newlines, under a random name.
    joined = open_text(workspace, tmp_path / "0b5c7e1a", "\n".join(cells))

    [diagnostic] = [item for item in lint(workspace, joined) if item["code"] == "LL101"]

    assert "after its first call on line 2 of cell 3" in diagnostic["message"]
