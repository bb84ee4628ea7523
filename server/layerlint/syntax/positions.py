"""Columns: `ast` counts them in UTF-8 bytes, editors and our findings in characters."""

from __future__ import annotations


def char_column(line_text: str, byte_offset: int) -> int:
    """Convert an `ast` UTF-8 byte offset within a line to a 0-based character offset."""
    if line_text.isascii():
        return byte_offset
    return len(line_text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))
