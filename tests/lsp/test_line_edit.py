"""The minimal whole-line edit between two texts, checked by applying it back."""

from __future__ import annotations

import pytest
from lsprotocol import types

from layerlint.lsp.line_edit import line_range_edit, split_lines, split_lines_keepends


def apply_edit(text: str, edit: types.TextEdit) -> str:
    """Apply an LSP edit with character units (the tests use ASCII and units=len)."""
    lines = split_lines_keepends(text)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    start, end = offset(edit.range.start), offset(edit.range.end)
    return text[:start] + edit.new_text + text[end:]


MODEL = (
    "class M:\n"
    "    def __init__(self):\n"
    "        self.bn = BN()\n"
    "\n"
    "    def call(self, x):\n"
    "        return self.bn(x)\n"
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (MODEL, MODEL.replace("self.bn = BN()", "self.bn_1 = BN()\n        self.bn_2 = BN()")),
        (MODEL, MODEL + "x = 1\n"),
        (MODEL, "import os\n" + MODEL),
        (MODEL, MODEL.replace("    def call(self, x):\n", "")),
        ("a = 1\nb = 2", "a = 1\nb = 3"),
        ("a = 1\nb = 2", "a = 1\nb = 2\nc = 3"),
        ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 20\r\n"),
        ("", "x = 1\n"),
        ("x = 1\n", ""),
        ("same\nsame\n", "same\nsame\nsame\n"),
    ],
)
def test_edit_applied_to_old_gives_new(old: str, new: str) -> None:
    edit = line_range_edit(old, new)
    assert edit is not None
    assert apply_edit(old, edit) == new


def test_edit_covers_only_the_changed_lines() -> None:
    new = MODEL.replace("return self.bn(x)", "return self.bn_2(x)")
    edit = line_range_edit(MODEL, new)
    assert edit is not None
    assert (edit.range.start.line, edit.range.end.line) == (5, 6)
    assert edit.new_text == "        return self.bn_2(x)\n"


def test_equal_texts_need_no_edit() -> None:
    assert line_range_edit(MODEL, MODEL) is None


def test_end_on_unterminated_last_line_uses_client_units() -> None:
    old = "s = 'ok'\nt = '😀'"
    new = "s = 'ok'\nt = 'x'"
    utf16 = lambda text: len(text.encode("utf-16-le")) // 2  # noqa: E731
    edit = line_range_edit(old, new, utf16)
    assert edit is not None
    assert edit.range.end == types.Position(line=1, character=len("t = ''") + 2)


def test_lines_split_like_lsp_not_like_splitlines() -> None:
    text = "a\x0cb\nc\r\nd\re"
    assert split_lines(text) == ["a\x0cb", "c", "d", "e"]
    assert split_lines_keepends(text) == ["a\x0cb\n", "c\r\n", "d\r", "e"]
    assert split_lines("x\n") == ["x", ""]
