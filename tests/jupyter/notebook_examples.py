"""The bundled example (`examples/feature_extractor.py`) as a notebook a user would write,
shared by the jupyter-lsp and browser tests: imports, IPython magics, the model with its
reused BatchNormalization, a markdown note, and a cell that runs the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TEXT = (ROOT / "examples" / "feature_extractor.py").read_text(encoding="utf-8")
MODEL_CELL = 3
"""Index of the cell holding the model class."""
SECOND_CALL = "self.bn(self.conv_2(x))"
FIRST_CALL = "self.bn(self.conv_1(x))"


def example_cells() -> list[tuple[str, str]]:
    """`(cell_type, source)` pairs, in notebook order."""
    header, rest = EXAMPLE_TEXT.split("\n\n\nclass ", 1)
    imports = header.split('"""\n\n', 1)[1]  # without the module docstring
    model, _ = rest.split("\n\n\nif __name__", 1)
    return [
        ("code", imports),
        ("code", "%matplotlib inline\n!pip list | grep -i keras\nfiles = !ls"),
        ("code", "%%time\nshape = (1, 32, 32, 3)"),
        ("code", "class " + model),
        ("markdown", "Run the extractor once:"),
        ("code", "extractor = FeatureExtractor()\nextractor(np.zeros(shape, dtype='float32')).shape"),
    ]


def cell_position(cells: list[tuple[str, str]], index: int, needle: str) -> tuple[int, int]:
    """0-based (line, character) of `needle` in cell `index`."""
    for number, line in enumerate(cells[index][1].split("\n")):
        if needle in line:
            return number, line.index(needle)
    raise AssertionError(f"{needle!r} not in cell {index}")


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """An nbformat 4 notebook of `cells` for the IPython kernel, never executed."""
    notebook: dict[str, Any] = {
        "cells": [_cell(index, kind, source) for index, (kind, source) in enumerate(cells)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {
                "name": "python", "mimetype": "text/x-python", "file_extension": ".py",
                "codemirror_mode": {"name": "ipython", "version": 3},
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def _cell(index: int, kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
