"""Notebooks as they arrive from disk: malformed JSON, missing or mistyped fields, and valid
notebooks with IPython syntax spread over random cells. Reading one either works or raises
`NotebookError` (the CLI then says it cannot read the file, exit 2); a readable one is analysed
within the invariants, and every finding maps back into a cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzz_invariants import RUN_COUNTS, check_everything, fixture_texts, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from layerlint.analysis import analyse
from layerlint.cli import main
from layerlint.lsp.notebook_map import build_program, locate
from layerlint.notebooks import NotebookError, notebook_program

TEXTS = fixture_texts()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["cells", "cell_type", "source", "metadata", "outputs",
                                       "nbformat", "worksheets", "code", "markdown"]) | st.text(
                                           max_size=8), children, max_size=4),
    max_leaves=25,
)
CELL = st.fixed_dictionaries({}, optional={
    "cell_type": st.sampled_from(["code", "markdown", "raw", 3, None]),
    "source": st.one_of(st.text(max_size=60), st.lists(st.text(max_size=30) | st.integers(),
                                                       max_size=4), st.integers(), st.none()),
    "metadata": JSON_VALUES,
})


def read_or_refuse(raw: str) -> None:
    RUN_COUNTS["malformed notebook documents"] += 1
    try:
        program = notebook_program(raw)
    except NotebookError:
        return
    result = analyse(program.text)
    check_everything(program.text, label="malformed notebooks that could be read")
    for finding in result.findings:
        cell, line = program.locate(finding.span.line)
        assert 1 <= cell and 1 <= line


@fuzz_settings(examples=200)
@given(value=JSON_VALUES)
def test_any_json_document(value: object) -> None:
    read_or_refuse(json.dumps(value))


@fuzz_settings(examples=200)
@given(cells=st.lists(CELL | JSON_VALUES, max_size=5), extra=st.dictionaries(
    st.sampled_from(["nbformat", "metadata"]), JSON_VALUES, max_size=2))
def test_notebooks_with_missing_or_mistyped_fields(cells: list[object], extra: dict) -> None:
    read_or_refuse(json.dumps({"cells": cells, **extra}))


@fuzz_settings(examples=100)
@given(index=st.integers(0, len(TEXTS) - 1), cut=st.floats(0, 1))
def test_truncated_notebook_json(index: int, cut: float) -> None:
    raw = json.dumps({"cells": [{"cell_type": "code", "source": TEXTS[index]}], "nbformat": 4})
    read_or_refuse(raw[: int(len(raw) * cut)])


@st.composite
def notebook_cells(draw: st.DrawFn) -> list[str]:
    lines = draw(st.sampled_from(TEXTS)).split("\n")
    cuts = sorted(set(draw(st.lists(st.integers(0, len(lines)), max_size=6))))
    cells = ["\n".join(lines[start:end]) for start, end in zip([0, *cuts], [*cuts, len(lines)])]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(cells) - 1))
        magic = draw(st.sampled_from(["%matplotlib inline", "!pip install keras", "model?",
                                      "%%time", "files = !ls", "%%bash\necho hi", "??keras"]))
        cells[at] = magic + "\n" + cells[at]
    return cells


@fuzz_settings(examples=120)
@given(cells=notebook_cells())
def test_split_into_cells_with_ipython_syntax(cells: list[str]) -> None:
    program = build_program([(f"cell:{index}", text) for index, text in enumerate(cells)])
    result = analyse(program.text)
    check_everything(program.text, label="notebooks from fixtures")
    for finding in result.findings:
        located = locate(program, finding.span.line - 1)
        assert located is not None, f"{finding.code} at program line {finding.span.line}"
        cell, line = located
        assert 0 <= line < len(cells[cell].split("\n")) or line == 0


@pytest.mark.parametrize("raw", [
    "", "{", "[]", "null", '{"cells": 1}', '{"cells": [1, "x", null]}',
    '{"cells": [{"cell_type": "code", "source": ["a", 1]}]}',
    '{"cells": [{"cell_type": "code"}]}', '{"worksheets": [{"cells": []}]}',
    '{"cells": {"cell_type": "code", "source": "x = 1"}}',
])
def test_check_says_it_cannot_read_a_broken_notebook(
    tmp_path: Path, raw: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(raw)
    assert main(["check", str(path)]) in (0, 1, 2)
    assert "internal error" not in capsys.readouterr().err
