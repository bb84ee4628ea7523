"""`text_splice.apply_change` gives the text pygls' own `TextDocument.apply_change` gives, for
random ranged changes (UTF-16 positions past the BMP, CRLF and lone CR, form feeds, ranges
past the end or inverted), and full-text changes."""

from __future__ import annotations

import random

from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from layerlint.lsp.text_splice import apply_change

_ALPHA = "\U0001d6fc"  # outside the BMP: two UTF-16 code units
_PIECES = ["x = 1", "    y = f(x)", "", f"# é{_ALPHA} note", "\t", "class A:", "\x0c",
           f"z{_ALPHA}{_ALPHA} = 'ü'"]
_BREAKS = ["\n", "\n", "\n", "\r\n", "\r"]


def _text(chooser: random.Random) -> str:
    return "".join(chooser.choice(_PIECES) + chooser.choice(_BREAKS)
                   for _ in range(chooser.randrange(0, 12)))


def _change(chooser: random.Random, text: str) -> types.TextDocumentContentChangeEvent:
    if chooser.random() < 0.05:
        return types.TextDocumentContentChangeWholeDocument(text=_text(chooser))
    line_count = len(text.splitlines()) + 2

    def position() -> types.Position:
        return types.Position(line=chooser.randrange(0, line_count + 1),
                              character=chooser.randrange(0, 14))

    start, end = position(), position()
    if chooser.random() < 0.8 and (end.line, end.character) < (start.line, start.character):
        start, end = end, start
    inserted = chooser.choice(["", "a", "\n", f"é{_ALPHA}", "(\n    ", "\r\n", *_PIECES])
    return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end),
                                                   text=inserted)


def _document(text: str, encoding: str) -> TextDocument:
    return TextDocument("file:///t.py", source=text, version=1,
                        sync_kind=types.TextDocumentSyncKind.Incremental,
                        position_codec=PositionCodec(encoding=encoding))


def test_same_text_as_pygls_over_random_changes() -> None:
    chooser = random.Random(5)
    for encoding in (types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
                     types.PositionEncodingKind.Utf32):
        for _ in range(150):
            text = _text(chooser)
            ours, theirs = _document(text, encoding), _document(text, encoding)
            for _ in range(8):
                change = _change(chooser, theirs.source)
                theirs.apply_change(change)
                apply_change(ours, change)
                assert ours.source == theirs.source


def test_a_keystroke_in_a_large_file() -> None:
    text = "".join(f"line_{number} = {number}\n" for number in range(3000))
    ours, theirs = (_document(text, types.PositionEncodingKind.Utf16) for _ in range(2))
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=1500, character=4),
                          end=types.Position(line=1502, character=2)), text="X")
    theirs.apply_change(change)
    apply_change(ours, change)
    assert ours.source == theirs.source
    assert "\nlineXne_1502 = 1502\n" in ours.source and ours.source.count("\n") == 2998


def test_changes_near_the_last_one_give_the_text_pygls_gives() -> None:
    """Sequences of changes on one document, each near the previous (where the remembered line
    start is walked from): typing, line breaks, joined lines, CRLF, form feeds and characters
    outside the BMP on the way, ranges ending past the end."""
    chooser = random.Random(11)
    for encoding in (types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
                     types.PositionEncodingKind.Utf32):
        for _ in range(60):
            text = _text(chooser) + "".join(
                chooser.choice(_PIECES) + ("\r\n" if chooser.random() < 0.05 else "\n")
                for _ in range(chooser.randrange(0, 90)))
            ours, theirs = _document(text, encoding), _document(text, encoding)
            line = chooser.randrange(0, max(1, len(text.splitlines())))
            for _ in range(25):
                line = max(0, line + chooser.choice([0, 0, 0, 1, -1, 3, -5, 70, -70]))
                start = types.Position(line=line, character=chooser.randrange(0, 14))
                end_line = line + chooser.choice([0, 0, 0, 1, 2, 80])
                end = types.Position(line=end_line, character=chooser.randrange(0, 14))
                if chooser.random() < 0.1:
                    start, end = end, start
                inserted = chooser.choice(["", "a", "\n", f"é{_ALPHA}", "(\n    ", "\r\n", "\r",
                                           "\x0c", *_PIECES])
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=end), text=inserted)
                theirs.apply_change(change)
                apply_change(ours, change)
                assert ours.source == theirs.source


def test_a_keystroke_after_another_walks_from_its_line() -> None:
    """The second keystroke on a line finds it from the first one's remembered start (no
    split of the whole text: the split would fail here) and gives pygls' text."""
    text = "".join(f"line_{number} = {number}\n" for number in range(3000))
    ours, theirs = (_document(text, types.PositionEncodingKind.Utf16) for _ in range(2))
    for character in (4, 5):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=1500, character=character),
                              end=types.Position(line=1500, character=character)), text="X")
        theirs.apply_change(change)
        if character == 5:
            source = ours.source
            ours._source = _NoSplit(source)
            ours._layerlint_last_line = (ours._source, *ours._layerlint_last_line[1:])
        apply_change(ours, change)
        assert str(ours.source) == theirs.source


class _NoSplit(str):
    """A text whose whole-text split fails the test."""

    def splitlines(self, keepends: bool = False) -> list[str]:
        raise AssertionError("the whole text was split")
