"""`text_lines.document_lines` reads the lines of an analysed document from its blocks: the
lines `split_lines` gives, after random edits (broken blocks, pasted classes, a missing last
line break), and for a text with carriage returns (split as before)."""

from __future__ import annotations

import random

from bench.generate_models import generate_module
from layerlint.analysis import analyse
from layerlint.lsp.line_edit import split_lines
from layerlint.lsp.text_lines import BlockLines, document_lines

_SNIPPETS = ["(", ")", "\n", "x", "\nclass Extra(keras.layers.Layer):\n    pass\n", "#", '"""',
             "\x0c", "é\U0001d6fc", "@", "    "]


def _same_lines(text: str, path: str) -> None:
    analyse(text, path=path)
    lines = document_lines(text, path)
    expected = split_lines(text)
    assert len(lines) == len(expected)
    assert [lines[index] for index in range(len(lines))] == expected
    assert lines[-1] == expected[-1] and list(lines[2:9]) == expected[2:9]


def test_the_lines_of_the_blocks_are_the_lines_of_the_text(tmp_path) -> None:
    chooser = random.Random(3)
    path = str(tmp_path / "lines.py")
    text = generate_module(300, 2).text
    _same_lines(text, path)
    for _ in range(40):
        position = chooser.randrange(len(text) + 1)
        if chooser.random() < 0.6:
            text = text[:position] + chooser.choice(_SNIPPETS) + text[position:]
        else:
            text = text[:position] + text[position + chooser.choice([1, 5, 200]):]
        _same_lines(text, path)
    _same_lines(text.rstrip("\n"), path)
    assert isinstance(document_lines(text.rstrip("\n"), path), BlockLines)


def test_carriage_returns_and_no_path_split_the_text(tmp_path) -> None:
    text = "import keras\r\n\r\nclass A(keras.layers.Layer):\r\n    pass\r\n"
    path = str(tmp_path / "crlf.py")
    analyse(text, path=path)
    assert document_lines(text, path) == split_lines(text)
    assert document_lines(text, None) == split_lines(text)
