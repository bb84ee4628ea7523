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
from layerlint.syntax.bare_names import only_names

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
_blanks: dict[int, str] = {}
_recent: list[tuple[list[str], str, bool]] = []
_KEPT = 4


def module_program(blocks: list[Block]) -> tuple[str, bool]:
    """The program's text, and whether any of its pieces could call something (a `(`). For a
    new version of a document whose changed blocks give the pieces they gave before (an edit
    inside a class), the previous version's program (`block_versions`)."""
    memo, change = getattr(blocks, "memo", None), getattr(blocks, "change", None)
    if memo is None:
        return _program(blocks)
    found = memo.get("program")
    if found is not None:
        return found[0], found[1]
    kept = change.previous.get("program") if change is not None else None
    if kept is not None and change is not None and change.previous.get("") == memo[""]:
        old_pieces = kept[2]
        new_pieces = [_piece_of(block)[0] for block in blocks[change.first:change.new_end]]
        old_span = old_pieces[change.first:change.old_end]
        pieces = old_pieces[:change.first] + new_pieces + old_pieces[change.old_end:]
        if old_span == new_pieces:
            found = memo["program"] = (kept[0], kept[1], pieces)
            return found[0], found[1]
        # A paste or deletion: the changed span's pieces replaced in the previous program
        # (a piece has code, a `(`, only if it is a block's text: blank runs have none).
        start = sum(map(len, old_pieces[:change.first]))
        end = start + sum(map(len, old_span))
        program = kept[0][:start] + "".join(new_pieces) + kept[0][end:]
        has_code = any("(" in piece for piece in new_pieces) or (kept[1] and (
            not any("(" in piece for piece in old_span)
            or any("(" in piece for piece in pieces)))
        found = memo["program"] = (program, has_code, pieces)
        return program, has_code
    program, has_code = _program(blocks)
    memo["program"] = (program, has_code, _recent[0][0])
    return program, has_code


def _program(blocks: list[Block]) -> tuple[str, bool]:
    pieces: list[str] = []
    has_code = False
    for block in blocks:
        piece, code = _piece_of(block)
        pieces.append(piece)
        has_code = has_code or code
    for index, (kept, program, code) in enumerate(_recent):
        if kept == pieces:
            if index:
                _recent.insert(0, _recent.pop(index))
            return program, code
    program = "".join(pieces)
    _recent.insert(0, (pieces, program, has_code))
    del _recent[_KEPT:]
    return program, has_code


def _piece_of(block: Block) -> tuple[str, bool]:
    """The block's piece of the program (remembered on its tree) and whether it has a `(`."""
    if block.tree is None:
        return _blank(block.text.count("\n")), False
    remembered = tree_memo.memo(block.tree)
    found = remembered.get("program")
    if found is None or found[0] != block.text:
        found = remembered["program"] = (block.text, *_piece(block))
    return found[1], found[2]


def _piece(block: Block) -> tuple[str, bool]:
    """Blank lines for a block of definitions, imports and statements that only name something
    (`syntax.bare_names`: a docstring, a half-typed `model.fi`, which the program's readers
    would pass over), else the block's text."""
    assert block.tree is not None
    if all(isinstance(stmt, _DEFINITIONS) or only_names(stmt) for stmt in block.tree.body):
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
