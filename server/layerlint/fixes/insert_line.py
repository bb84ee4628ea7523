"""Quick-fix "Insert layers.Flatten() before the Dense on line N" (LL105).

The analysis computed the line and proved with the static shapes of the edited text that the
crash is gone (`analysis/rules/ll105_incompatible_layer_input.py`); the fix inserts that line,
spelled and indented like its neighbour, and refuses when the result would not parse:

    layers.MaxPooling2D(2),                     layers.MaxPooling2D(2),
    layers.Dense(10, activation="softmax"),  -> layers.Flatten(),
                                                layers.Dense(10, activation="softmax"),

The request (`fix_requests.InsertLine`): line (1-based, the new line goes before it), text
(the new line, without newline).
"""

from __future__ import annotations

import libcst as cst

from layerlint.fix_requests import FixError, InsertLine


def apply(source: str, request: InsertLine) -> str:
    line, text = request.line, request.text
    lines = source.split("\n")
    if not 1 <= line <= len(lines) or "\n" in text:
        raise FixError(f"line {line} is not in the document")
    newline = "\r\n" if lines[line - 1].endswith("\r") else "\n"
    edited = "\n".join([*lines[: line - 1], text + ("\r" if newline == "\r\n" else ""),
                        *lines[line - 1:]])
    try:
        cst.parse_module(edited)
    except cst.ParserSyntaxError as error:
        raise FixError(f"inserting the line would not parse: {error.message}") from error
    return edited
