"""Notebook cells joined into one program, with lines mapped back (layerlint/notebooks.py)."""

import pytest

from layerlint.notebooks import NotebookError, blank_magics, join_cells, notebook_program


def test_magics_and_shell_escapes_are_blanked_keeping_lines():
    source = "%matplotlib inline\n!pip install x\nx = 1\n    %time y = 2\n"
    blanked = blank_magics(source)
    assert blanked.splitlines() == ["pass", "pass", "x = 1", "    pass"]


def test_join_cells_maps_program_lines_back_to_cells():
    program = join_cells(["a = 1\nb = 2\n", "c = 3"], [1, 3])
    assert program.text == "a = 1\nb = 2\nc = 3\n"
    assert program.locate(1) == (1, 1)
    assert program.locate(2) == (1, 2)
    assert program.locate(3) == (3, 1)


def test_not_a_notebook_raises_a_clear_error():
    with pytest.raises(NotebookError):
        notebook_program("[]")
