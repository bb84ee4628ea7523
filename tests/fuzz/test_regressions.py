"""Every input the fuzzers once broke something with (see regressions/README.md) stays fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_invariants import check_everything

from layerlint.analysis import analyse
from layerlint.cli import main
from layerlint.lsp.line_edit import split_lines
from layerlint.notebooks import NotebookError, notebook_program

REGRESSIONS = Path(__file__).with_name("regressions")
TEXTS = sorted(REGRESSIONS.glob("*.txt"))
NOTEBOOKS = sorted(REGRESSIONS.glob("*.notebook.json"))


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # no newline translation: CRs stay


@pytest.mark.parametrize("path", TEXTS, ids=[path.name for path in TEXTS])
def test_text_regression(path: Path) -> None:
    check_everything(read(path), label="regressions")


def test_lone_cr_findings_land_on_their_line() -> None:
    text = read(REGRESSIONS / "lone_cr_line_breaks.txt")
    lines = split_lines(text)
    (finding,) = [finding for finding in analyse(text).findings if finding.code == "LL101"]
    assert "self.bn(self.conv_2(x))" in lines[finding.span.line - 1]


def test_deep_code_is_reported_as_not_parsing_rather_than_crashing() -> None:
    result = analyse(read(REGRESSIONS / "parentheses_3000_deep.txt"))
    assert len(result.syntax_problems) == 1 and result.findings == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_regression(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(NotebookError):
        notebook_program(path.read_text())
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text(path.read_text())
    assert main(["check", str(notebook)]) == 2
    err = capsys.readouterr().err
    assert f"cannot check {notebook}: not a notebook" in err
