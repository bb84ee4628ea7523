"""The analysis on JupyterLab's virtual notebook document: magics rewritten by JupyterLab are
plain Python, and findings land on the lines that map back to the right cell.

The reference is a document a language server received from the real JupyterLab
(`fixtures/jupyterlab_virtual_document.json`); `jupyterlab_virtual_document.py` rebuilds such
documents for other notebooks and is checked against it first.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from jupyterlab_virtual_document import rewrite_ipython, virtual_document

from layerlint.analysis import analyse

RECORDED = json.loads(
    (Path(__file__).parent / "fixtures" / "jupyterlab_virtual_document.json").read_text("utf-8")
)
RECORDED_CELLS = [(cell["cell_type"], cell["source"]) for cell in RECORDED["cells"]]


def test_builder_reproduces_the_recorded_jupyterlab_document() -> None:
    assert virtual_document(RECORDED_CELLS).text == RECORDED["text"]


def test_recorded_document_parses_and_reports_the_reuse_in_its_cell() -> None:
    document = virtual_document(RECORDED_CELLS)

    result = analyse(RECORDED["text"], path="/project/sub/magics.ipynb")

    assert result.syntax_problems == []
    [finding] = [finding for finding in result.findings if finding.code == "LL101"]
    model_cell = next(
        index for index, (_, source) in enumerate(RECORDED_CELLS) if source.startswith("class ")
    )
    second_call = RECORDED_CELLS[model_cell][1].split("\n").index("        return self.bn(x)")
    assert finding.span.line - 1 == document.line_of(model_cell, second_call)


@pytest.mark.parametrize(
    "cell",
    [
        "%matplotlib inline",
        "%timeit -n 3 model(x)",
        "result = %time model(x)",
        "!pip install 'keras>=3'",
        "files = !ls *.ipynb",
        "model?",
        "??model.call",
        "keras.layers.Dense??",
        "%%time\nmodel(x)\nmodel(x)",
        "%%capture captured\nprint('quiet')",
        "%%bash\necho \"hi\" && ls\n",
        '%%writefile notes.txt\nsome """quoted""" text',
        "for layer in model.layers:\n    %time layer(x)\n    !echo done",
    ],
)
def test_rewritten_ipython_cells_are_python(cell: str) -> None:
    rewritten = rewrite_ipython(cell)

    ast.parse(rewritten)
    assert analyse(rewritten).syntax_problems == []


def test_findings_after_magic_cells_keep_their_cell_lines() -> None:
    model = (
        "class Tower(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.norm = keras.layers.LayerNormalization()\n"
        "        self.wide = keras.layers.Dense(64)\n"
        "\n"
        "    def call(self, x):\n"
        "        x = self.norm(x)\n"
        "        return self.norm(self.wide(x))\n"
    )
    cells = [
        ("code", "import keras"),
        ("code", "%%time\nfor _ in range(3):\n    pass"),
        ("markdown", "# The model"),
        ("code", "%load_ext autoreload\n%autoreload 2\n\n" + model),
    ]
    document = virtual_document(cells)

    result = analyse(document.text)

    assert result.syntax_problems == []
    reused = [finding for finding in result.findings if finding.code.startswith("LL10")]
    assert reused, "expected a finding for the LayerNormalization reused on a wider input"
    model_lines = cells[3][1].split("\n")
    second_call = model_lines.index("        return self.norm(self.wide(x))")
    assert {finding.span.line - 1 for finding in reused} == {document.line_of(3, second_call)}
