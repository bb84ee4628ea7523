"""Cutting whole top-level statements out of a module's text and splicing them back."""

from __future__ import annotations

import ast
import textwrap

from layerlint.fixes.text_blocks import enclosing_block, split_lines, statement_line_range

MODULE = textwrap.dedent(
    """\
    import keras

    # a comment between statements
    @register
    @other(
        option=1,
    )
    class Net:
        def call(self, x):
            return x

    a = 1; b = (
        2)
    c = 3
    """
)


def test_split_lines_agrees_with_the_tokenizer_on_line_ends() -> None:
    text = "a = 1\r\nb = '\f\v\x1c'\rc = 3\nd = 4"
    lines = split_lines(text)
    assert lines == ["a = 1\r\n", "b = '\f\v\x1c'\r", "c = 3\n", "d = 4"]
    assert "".join(lines) == text
    # ast numbers the lines the same way: `d` is on line 4.
    assert ast.parse(text).body[3].lineno == len(lines)


def test_statement_range_includes_decorators() -> None:
    tree = ast.parse(MODULE)
    assert statement_line_range(tree.body[1]) == (4, 10)


def test_block_is_the_decorated_class_and_splices_back_verbatim() -> None:
    tree = ast.parse(MODULE)
    block = enclosing_block(MODULE, tree, [9, 10])
    assert block is not None
    assert (block.first_line, block.last_line) == (4, 10)
    assert block.text.startswith("@register\n") and block.text.endswith("return x\n")
    assert block.splice(block.text) == MODULE
    replaced = block.splice("class Net: pass\n")
    assert replaced == MODULE.replace(block.text, "class Net: pass\n")


def test_block_grows_over_statements_sharing_lines() -> None:
    tree = ast.parse(MODULE)
    # `b = (\n2)` shares line 12 with `a = 1`: asking for line 13 must take both.
    block = enclosing_block(MODULE, tree, [13])
    assert block is not None
    assert block.text == "a = 1; b = (\n    2)\n"
    ast.parse(block.text)


def test_block_spans_from_first_to_last_wanted_line() -> None:
    tree = ast.parse(MODULE)
    block = enclosing_block(MODULE, tree, [14, 1])
    assert block is not None
    assert (block.first_line, block.last_line) == (1, 14)
    assert block.text == MODULE


def test_line_outside_every_statement_gives_none() -> None:
    tree = ast.parse(MODULE)
    assert enclosing_block(MODULE, tree, [3]) is None  # the comment line
    assert enclosing_block(MODULE, tree, [99]) is None
    assert enclosing_block(MODULE, tree, []) is None
