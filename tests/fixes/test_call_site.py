"""Finding a call-site fix's call in characters, not bytes (reading its one position is
`fix_requests`', see tests/test_fix_requests.py)."""

import ast

from layerlint.fixes.call_site import starts_at, text_offset
from layerlint.fixes.text_blocks import split_lines


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
