"""Nothing runs without consent: opening, editing, checking and fixing hostile code never
executes it.

The workspace below is built to tell on anyone who runs it: every module's top level writes a
marker file, spawns a process that writes another, and imports a sibling module that does the
same; `sitecustomize.py`/`usercustomize.py` and a fake `.venv/bin/python` would leave markers
if an interpreter were started in the workspace. The server (text files and a notebook: open,
edit, pull diagnostics, code actions with resolve) and `layerlint check` (with `--fix`) go
through all of it; no marker may appear. A control run of the same module with Python proves
the markers work. Only an explicit shape trace runs code (see tests/lsp/test_trace_features.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsp_client import (
    RecordingClient,
    capabilities,
    codes,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

from layerlint.cli import main

TELL = """\
import pathlib as _pathlib, subprocess as _subprocess, sys as _sys
_pathlib.Path({marker!r}).write_text("ran")
_subprocess.Popen([_sys.executable, "-c", "open({spawned!r}, 'w').write('spawned')"]).wait()
"""

MODEL = """\
import keras
import evil_sibling
from evil_sibling import Block

_side_effect = open({marker!r}, "w")


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.bn = keras.layers.BatchNormalization()
        self.conv_1 = keras.layers.Conv2D(6, 3)
        self.conv_2 = keras.layers.Conv2D(16, 3)

    def call(self, x):
        x = self.bn(self.conv_1(self.block(x)))
        return self.bn(self.conv_2(x))
"""

SIBLING = """\
import keras


class Block(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.norm = keras.layers.BatchNormalization()

    def call(self, x):
        return self.norm(x)
"""


def hostile_workspace(root: Path) -> Path:
    """The workspace, and the folder its markers would appear in."""
    markers = root / "markers"
    markers.mkdir()

    def tell(name: str) -> str:
        return TELL.format(marker=str(markers / name), spawned=str(markers / f"{name}-spawned"))

    (root / "evil_sibling.py").write_text(tell("sibling") + SIBLING)
    (root / "model.py").write_text(tell("model") + MODEL.format(marker=str(markers / "model-open")))
    (root / "sitecustomize.py").write_text(tell("sitecustomize"))
    (root / "usercustomize.py").write_text(tell("usercustomize"))
    (root / "conftest.py").write_text(tell("conftest"))
    fake_python = root / ".venv" / "bin" / "python"
    fake_python.parent.mkdir(parents=True)
    fake_python.write_text(f"#!/bin/sh\ntouch {markers / 'venv-python'}\n")
    fake_python.chmod(0o755)
    (root / "pyproject.toml").write_text('[tool.layerlint]\npython = ".venv/bin/python"\n')
    cells = [tell("notebook"), "import evil_sibling\nimport keras\nnorm = keras.layers.BatchNormalization()",
             "inputs = keras.Input((8, 8, 3))\nx = norm(keras.layers.Conv2D(6, 3)(inputs))\n"
             "x = norm(keras.layers.Conv2D(16, 3)(x))"]
    (root / "notebook.ipynb").write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "source": cell, "metadata": {}, "outputs": [],
                   "execution_count": None} for cell in cells]}))
    return markers


async def request_fixes(client: RecordingClient, uri: str,
                        diagnostics: list[types.Diagnostic]) -> int:
    """Ask for code actions on every diagnostic and resolve each; returns how many resolved."""
    resolved = 0
    for diagnostic in diagnostics:
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic])))
        for action in actions or []:
            if isinstance(action, types.CodeAction):
                action = await client.code_action_resolve_async(action)
                resolved += action.edit is not None
    return resolved


async def test_the_server_never_runs_the_workspace(server: RecordingClient, tmp_path: Path) -> None:
    markers = hostile_workspace(tmp_path)
    await start(server, capabilities(resolve_edits=True, notebooks=True), root=tmp_path)

    model = tmp_path / "model.py"
    uri, text = model.as_uri(), model.read_text()
    open_document(server, uri, text, version=1)
    first = await wait_for_publish(server, uri, version=1)
    assert "LL101" in codes(list(first.diagnostics))
    line = len(text.split("\n")) - 1
    position = types.Position(line=line, character=0)
    replace_range(server, uri, 2, types.Range(start=position, end=position), "# edited\n")
    second = await wait_for_publish(server, uri, version=2)
    assert await request_fixes(server, uri, list(second.diagnostics)) >= 1
    sibling = tmp_path / "evil_sibling.py"
    open_document(server, sibling.as_uri(), sibling.read_text(), version=1)
    await wait_for_publish(server, sibling.as_uri(), version=1)
    await server.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    notebook = tmp_path / "notebook.ipynb"
    cells = [cell["source"] for cell in json.loads(notebook.read_text())["cells"]]
    cell_uris = [f"vscode-notebook-cell:{notebook}#cell{index}" for index in range(len(cells))]
    server.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=notebook.as_uri(), notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=cell)
                   for cell in cell_uris]),
        cell_text_documents=[types.TextDocumentItem(uri=cell, language_id="python", version=1,
                                                    text=source)
                             for cell, source in zip(cell_uris, cells)]))
    published = await wait_for_publish(server, cell_uris[2], version=1)
    assert "LL101" in codes(list(published.diagnostics))
    assert await request_fixes(server, cell_uris[2], list(published.diagnostics)) >= 1

    assert sorted(path.name for path in markers.iterdir()) == []


def test_the_command_line_never_runs_the_workspace(tmp_path: Path) -> None:
    markers = hostile_workspace(tmp_path)
    assert main(["check", str(tmp_path)]) == 1
    assert main(["check", "--fix", "--unsafe-fixes", str(tmp_path)]) in (0, 1)
    assert "self.bn_1" in (tmp_path / "model.py").read_text()  # the fix did run, as text
    assert sorted(path.name for path in markers.iterdir()) == []


def test_the_markers_do_tell_when_the_code_runs(tmp_path: Path) -> None:
    markers = hostile_workspace(tmp_path)
    subprocess.run([sys.executable, "usercustomize.py"], cwd=tmp_path, check=False,
                   capture_output=True, timeout=120)
    assert {"usercustomize", "usercustomize-spawned"} <= {path.name for path in markers.iterdir()}
