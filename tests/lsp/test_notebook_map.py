"""Notebook cells joined into one program and mapped back, magics blanked."""

from __future__ import annotations

import ast

from layerlint.lsp.notebook_map import (
    blank_ipython_syntax,
    build_program,
    locate,
    rewrite_cells,
)

CELLS = [
    ("cell:1", "%matplotlib inline\nimport keras\n!pip install keras"),
    ("cell:2", "bn = keras.layers.BatchNormalization()\n"),
    ("cell:3", "x = bn(a)\ny = bn(b)"),
]


def test_program_keeps_every_cell_line_and_parses() -> None:
    program = build_program(CELLS)
    lines = program.text.split("\n")
    assert len(lines) == sum(text.count("\n") + 1 for _, text in CELLS)
    ast.parse(program.text)
    assert lines[1] == "import keras"
    assert lines[0] == "" and lines[2] == ""


def test_locate_maps_program_lines_to_cells() -> None:
    program = build_program(CELLS)
    assert locate(program, 0) == (0, 0)
    assert locate(program, 2) == (0, 2)
    assert locate(program, 3) == (1, 0)
    assert locate(program, 4) == (1, 1)  # the empty line after cell 2's trailing newline
    assert locate(program, 6) == (2, 1)
    assert locate(program, 7) is None
    assert locate(program, -1) is None


def test_every_program_line_maps_back_to_the_same_text() -> None:
    cells = [("a", "x = 1\ny = 2"), ("b", ""), ("c", "z = 3\n")]
    program = build_program(cells)
    for number, line in enumerate(program.text.split("\n")):
        located = locate(program, number)
        assert located is not None
        index, cell_line = located
        assert cells[index][1].split("\n")[cell_line] == line


def test_ipython_syntax_is_blanked_keeping_line_count() -> None:
    cell = (
        "%load_ext autoreload\nfiles = !ls\nmodel?\n??model\n"
        "if True:\n    %time run()\nx = 100 % 7\nprint('!')"
    )
    blanked = blank_ipython_syntax(cell)
    assert blanked.count("\n") == cell.count("\n")
    assert blanked.split("\n") == [
        "", "", "", "", "if True:", "    pass", "x = 100 % 7", "print('!')"
    ]
    ast.parse(blanked)


def test_cell_magics() -> None:
    assert blank_ipython_syntax("%%time\nx = f()") == "\nx = f()"
    assert blank_ipython_syntax("%%bash\nls -la\necho hi") == "\n\n"


def test_rewrite_maps_a_split_fix_back_to_two_cells() -> None:
    program = build_program(CELLS)
    fixed = (
        program.text.replace(
            "bn = keras.layers.BatchNormalization()",
            "bn_1 = keras.layers.BatchNormalization()\nbn_2 = keras.layers.BatchNormalization()",
        )
        .replace("x = bn(a)", "x = bn_1(a)")
        .replace("y = bn(b)", "y = bn_2(b)")
    )
    assert rewrite_cells(program, fixed) == {
        1: "bn_1 = keras.layers.BatchNormalization()\n"
        "bn_2 = keras.layers.BatchNormalization()\n",
        2: "x = bn_1(a)\ny = bn_2(b)",
    }


def test_rewrite_keeps_magics_in_untouched_lines() -> None:
    program = build_program(CELLS)
    fixed = program.text.replace("import keras", "import keras as K")
    assert rewrite_cells(program, fixed) == {
        0: "%matplotlib inline\nimport keras as K\n!pip install keras"
    }


def test_rewrite_refuses_to_overwrite_a_magic_line() -> None:
    program = build_program(CELLS)
    lines = program.text.split("\n")
    lines[0] = "import os"
    assert rewrite_cells(program, "\n".join(lines)) is None


def test_insertion_between_cells_extends_the_earlier_cell() -> None:
    program = build_program([("a", "x = 1"), ("b", "y = 2")])
    assert rewrite_cells(program, "x = 1\nz = 0\ny = 2") == {0: "x = 1\nz = 0"}


def test_unchanged_program_changes_no_cell() -> None:
    program = build_program(CELLS)
    assert rewrite_cells(program, program.text) == {}


# JupyterLab's virtual document of a notebook whose layer is built in one cell and reused in
# the next (the cells joined by two blank lines, as tests/jupyter/jupyterlab_virtual_document.py
# builds it from a recording of the real JupyterLab).
JOINED = (
    "import keras\nfrom keras import layers\n\n\n"
    "bn = layers.BatchNormalization()\nconv_1 = layers.Conv2D(8, 3)\nconv_2 = layers.Conv2D(16, 3)\n\n\n"
    "inputs = keras.Input((32, 32, 3))\nx = bn(conv_1(inputs))\ny = bn(conv_2(x))\n"
)


def test_joined_notebooks_are_recognised_by_their_name() -> None:
    from layerlint.lsp.notebook_map import is_joined_notebook

    assert is_joined_notebook("/work/model.ipynb")
    assert is_joined_notebook("/work/.virtual_documents/sub/Model.IPYNB")
    assert not is_joined_notebook("/work/model.py")
    assert not is_joined_notebook(None)


def test_quoting_label_quotes_the_code_of_the_line() -> None:
    from layerlint.lsp.notebook_map import QUOTE_WIDTH, quoting_line_label

    label = quoting_line_label(JOINED + "z = " + "f(" * 40 + ")" * 40)
    assert label(11) == "`x = bn(conv_1(inputs))`"
    assert label(3) == "3"  # a blank line has no code to quote
    assert label(999) == "999"
    long = label(13)
    assert long.startswith("`z = f(f(") and long.endswith("\u2026`")
    assert len(long) == QUOTE_WIDTH + 2


def test_a_message_about_a_joined_notebook_quotes_the_first_call() -> None:
    from layerlint.analysis import analyse
    from layerlint.lsp.notebook_map import quoting_line_label

    plain = [f for f in analyse(JOINED).findings if f.code == "LL101"]
    quoted = [f for f in analyse(JOINED, line_label=quoting_line_label(JOINED)).findings
              if f.code == "LL101"]

    assert "after its first call on line 11" in plain[0].message
    assert "after its first call on `x = bn(conv_1(inputs))`" in quoted[0].message
    assert "line 11" not in quoted[0].message
