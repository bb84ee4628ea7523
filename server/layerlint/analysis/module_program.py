"""The module-level program: all module-level statements of a module as one text.

Functional-API code at module level is analysed as one program (`engine`): every block that is
not only definitions and imports keeps its text, every other block (or one that does not parse)
becomes as many blank lines, so the program's lines are the module's. What each block gives is
remembered on its tree (`tree_memo`), the blank runs are shared strings, and while the pieces
are the same objects the program is the same string (its hash, and every cache keyed on it,
stay warm): a keystroke inside a class costs a lookup per block, not a scan of every block.
"""

from __future__ import annotations

import ast

from layerlint.analysis import tree_memo
from layerlint.analysis.source import Block

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
_blanks: dict[int, str] = {}
_recent: list[tuple[list[str], str, bool]] = []
_KEPT = 4


def module_program(blocks: list[Block]) -> tuple[str, bool]:
    """The program's text, and whether any of its pieces could call something (a `(`)."""
    pieces: list[str] = []
    has_code = False
    for block in blocks:
        if block.tree is None:
            pieces.append(_blank(block.text.count("\n")))
            continue
        remembered = tree_memo.memo(block.tree)
        found = remembered.get("program")
        if found is None or found[0] != block.text:
            found = remembered["program"] = (block.text, *_piece(block))
        pieces.append(found[1])
        has_code = has_code or found[2]
    for index, (kept, program, code) in enumerate(_recent):
        if kept == pieces:
            if index:
                _recent.insert(0, _recent.pop(index))
            return program, code
    program = "".join(pieces)
    _recent.insert(0, (pieces, program, has_code))
    del _recent[_KEPT:]
    return program, has_code


def _piece(block: Block) -> tuple[str, bool]:
    assert block.tree is not None
    if all(isinstance(stmt, _DEFINITIONS) for stmt in block.tree.body):
        return _blank(block.text.count("\n")), False
    return block.text, "(" in block.text


def _blank(lines: int) -> str:
    found = _blanks.get(lines)
    if found is None:
        if len(_blanks) > 4096:
            _blanks.clear()
        found = _blanks[lines] = "\n" * lines
    return found


__all__ = ["module_program"]
