"""Columns in characters from `ast`'s UTF-8 byte offsets (`layerlint.syntax.positions`)."""

from layerlint.syntax.positions import char_column


def test_char_column_converts_utf8_byte_offsets():
    line = "    x = 'é' + self.bn(x)"
    byte_offset = len(line.encode("utf-8")[: line.encode("utf-8").index(b"self")])
    assert char_column(line, byte_offset) == line.index("self")
    assert char_column("x = 1", 4) == 4  # ASCII: bytes are characters
