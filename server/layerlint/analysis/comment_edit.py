"""Whether an edit changed only a comment, or the spaces before one, on one line of a block
that parses: then the new text's tokens are the old ones, so its tree is the old tree.

JupyterLab sends the whole document on every change, and a note added to a line is a common
one. Python's tokenizer drops comments and the spaces that end a line, so two texts that
differ only there give the same tokens at the same lines and columns: the same split into
blocks (a block never starts at a comment or a space), the same parse of every piece, the same
tree (`ast.parse` keeps no comment, and ignores a coding cookie in a `str`). `same_tokens`
answers that without parsing, from the previous text and tree, and refuses anything it cannot
show: a change across lines; a line that is not ASCII (tree columns count UTF-8 bytes); a
change that starts inside a string (a string node's span holds it: only strings and comments
can hold a `#`), or after a backslash that continues the line; a changed comment or tail with a
character that is not printable ASCII (a NUL fails the parse, a tab or form feed is refused
rather than reasoned about).

A version that keeps its tree carries what the module-wide passes found for the block
(`block_versions.spliced`, `comment_blind`), and those read the block's text for a few words
(a save marker, a Keras trigger word), the static shapes for `layerlint:` comments; an edit
whose changed comment holds one is refused too, so every pass gives what it would give for the
new text. The rules still run on the new text.
"""

from __future__ import annotations

import ast
import re

from layerlint.analysis.keras_target import _TRIGGER, _TRIGGER_WORDS
from layerlint.analysis.save_evidence import _MARKERS

_TAIL = re.compile(r" *(?:#.*)?")
"""What may follow the code of a line where the edit begins outside a comment."""
_STRINGS = (ast.Constant, ast.JoinedStr)
_PRAGMAS = ("layerlint", "input-shape")
"""Comments the analysis reads (`# layerlint: ignore`, `# layerlint: input-shape=`): the
static shapes remember a function's run by its node (`shapes.replay`), read with its comments."""
_LONGEST_WORD = max(len(word) for word in (*_MARKERS, *_TRIGGER_WORDS, *_PRAGMAS))


def same_tokens(old: str, new: str, prefix: int, suffix: int, block_start: int,
                tree: ast.Module) -> bool:
    """Whether `new` differs from `old` only in a comment (or the spaces before it) on one
    line of the parsed block that starts at offset `block_start` of `old` (`tree`, lines
    relative to the block). `prefix`/`suffix`: the lengths of the texts' common prefix and
    suffix (not overlapping)."""
    old_end, new_end = len(old) - suffix, len(new) - suffix
    if old.find("\n", prefix, old_end) >= 0 or new.find("\n", prefix, new_end) >= 0:
        return False
    line_start = old.rfind("\n", 0, prefix) + 1
    if line_start < block_start:
        return False
    line_end = old.find("\n", old_end)
    line_end = len(old) if line_end < 0 else line_end
    old_line = old[line_start:line_end]
    new_line = new[line_start:line_end + len(new) - len(old)]
    if not (old_line.isascii() and new_line.isascii()):
        return False
    column = prefix - line_start
    line = old.count("\n", block_start, line_start) + 1
    start = _comment_start(old_line, column, tree, line)
    if start is None:  # the edit begins in the code part: both tails must be spaces, a comment
        start = column
        if (not _TAIL.fullmatch(old_line, column) or not _TAIL.fullmatch(new_line, column)
                or old_line[:column].rstrip(" ").endswith("\\")
                or _in_string(tree, line, column)):
            return False
    if not (old_line[start:].isprintable() and new_line[start:].isprintable()):
        return False
    # A word the carried passes look for, in the changed part or across its start (one in
    # the code before it is in both texts, on the same line).
    return not any(_word_reaches(text, start) for text in (old_line, new_line))


def _comment_start(line_text: str, column: int, tree: ast.Module, line: int) -> int | None:
    """The column of the `#` that starts the line's comment, if it is before `column`."""
    found = line_text.find("#", 0, column)
    while found >= 0:
        if not _in_string(tree, line, found):
            return found
        found = line_text.find("#", found + 1, column)
    return None


def _in_string(tree: ast.Module, line: int, column: int) -> bool:
    """Whether a string literal of `tree` spans (`line`, `column`) (1-based line, 0-based
    column of an ASCII line). Only the nodes whose lines hold `line` are visited; a
    definition's decorators lie above its own first line."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        first = getattr(node, "lineno", None)
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            stack.extend(decorators)
        if first is not None and not first <= line <= (getattr(node, "end_lineno", None)
                                                       or first):
            continue
        if type(node) is ast.JoinedStr or (
                type(node) is ast.Constant and isinstance(node.value, (str, bytes))):
            assert isinstance(node, _STRINGS)
            assert first is not None and node.end_col_offset is not None
            if (first, node.col_offset) <= (line, column) < (node.end_lineno,
                                                              node.end_col_offset):
                return True
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _word_reaches(line_text: str, start: int) -> bool:
    """Whether one of the words ends after column `start` of the line."""
    around = max(0, start - _LONGEST_WORD + 1)  # no word that starts before reaches `start`
    if any(match.end() > start for match in _TRIGGER.finditer(line_text, around)):
        return True
    for word in (*_MARKERS, *_PRAGMAS):
        found = line_text.find(word, around)
        while found >= 0:
            if found + len(word) > start:
                return True
            found = line_text.find(word, found + 1)
    return False


__all__ = ["same_tokens"]
