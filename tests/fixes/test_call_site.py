"""Reading a call-site fix's one position, and finding the call at it in characters, not bytes."""

import ast

import pytest

from layerlint.fixes import FixError
from layerlint.fixes.call_site import one_call_site, starts_at, text_offset
from layerlint.fixes.text_blocks import split_lines


def test_one_call_site_reads_line_and_column():
    assert one_call_site({"call_sites": [[3, "7"]]}, "some-fix") == (3, 7)


@pytest.mark.parametrize("data", [
    {},
    {"call_sites": []},
    {"call_sites": [[1, 1], [2, 1]]},
    {"call_sites": [["one", 1]]},
    {"call_sites": None},
])
def test_one_call_site_rejects_anything_but_one_position(data):
    with pytest.raises(FixError, match="malformed some-fix data"):
        one_call_site(data, "some-fix")


def test_positions_count_characters_where_ast_counts_bytes():
    source = 'x = 1\ns = "déjà"; print(s)\n'
    lines = split_lines(source)
    (call,) = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    column = lines[1].index("print") + 1
    assert call.col_offset + 1 > column  # é and à take two bytes each
    assert starts_at(call, lines, 2, column)
    assert not starts_at(call, lines, 2, call.col_offset + 1)
    assert not starts_at(call, lines, 1, column)
    assert source[text_offset(lines, 2, call.col_offset):].startswith("print(s)")
