"""The benchmark's second edit script: whole-document changes spread over the file.

JupyterLab (through jupyter-lsp) and some other clients send every change as the full new text
of the document (`didChange` without a range), whatever sync kind the server asks for. This
script plans such a session: each step is the complete document after one edit, and the edits
land far apart, so a server cannot get away with re-checking the place the last edit touched:

- most steps append a comment to a statement line inside a class, a different class each time
  (the classes are visited with a large stride, so consecutive edits are far apart);
- every `PASTE_EVERY` steps a block of `PASTE_LINES` lines is pasted at a top-level boundary
  elsewhere in the file (whole definitions copied from the file, renamed as a person would);
- every `PASTE_EVERY` steps, half a period later, one class is deleted.

Pure functions, no LSP I/O; deterministic for a given text and step count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

PASTE_LINES = 50
PASTE_EVERY = 20  # a paste at step 9, 29, 49, ...; a deletion at step 19, 39, 59, ...
_STRIDE_FRACTION = 0.38  # how far (as a share of the classes) the next comment jumps
_TOP_LEVEL_NAME = re.compile(r"^(class|def) (\w+)", re.MULTILINE)


@dataclass(frozen=True)
class FullText:
    """Replace the whole document by `text` (a `didChange` content change without a range)."""

    text: str
    kind: str  # "comment", "paste" or "delete": what this step did


def _classes(tree: ast.Module) -> list[ast.ClassDef]:
    return [node for node in tree.body if isinstance(node, ast.ClassDef)]


def _statement_lines(cls: ast.ClassDef) -> list[int]:
    """1-based last lines of simple statements in the class's methods (not docstrings): a
    comment appended there keeps the code valid."""
    lines = []
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(method):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.Return)) or (
                isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)
            ):
                lines.append(node.end_lineno or node.lineno)
    return sorted(set(lines))


def _append_comment(text: str, tree: ast.Module, step: int) -> str:
    classes = [cls for cls in _classes(tree) if _statement_lines(cls)]
    stride = max(1, round(len(classes) * _STRIDE_FRACTION))
    while len(classes) > 1 and _gcd(stride, len(classes)) != 1:
        stride += 1
    cls = classes[(step * stride) % len(classes)]
    candidates = _statement_lines(cls)
    line = candidates[(step * 7) % len(candidates)]
    lines = text.split("\n")
    lines[line - 1] += f"  # reviewed in step {step}"
    return "\n".join(lines)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _top_level_ranges(tree: ast.Module, line_count: int) -> list[tuple[int, int]]:
    """0-based [start, end) line ranges of top-level definitions, each running to the next one
    (blank lines after a definition belong to it), decorators included."""
    starts = [
        min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        for node in tree.body
    ]
    return list(zip(starts, [*starts[1:], line_count], strict=True))


def _paste_block(lines: list[str], tree: ast.Module, step: int) -> list[str] | None:
    """`PASTE_LINES` lines of whole consecutive definitions copied from the file, or None."""
    ranges = [
        (start, end) for (start, end), node in zip(_top_level_ranges(tree, len(lines)), tree.body,
                                                   strict=True)
        if isinstance(node, (ast.ClassDef, ast.FunctionDef))
    ]
    offset = (step * 13) % max(1, len(ranges))
    for index in [*range(offset, len(ranges)), *range(offset)]:
        start = ranges[index][0]
        window = lines[start:start + PASTE_LINES]
        following = lines[start + PASTE_LINES] if start + PASTE_LINES < len(lines) else ""
        if len(window) < PASTE_LINES or following.startswith((" ", "\t")):
            continue
        source = "\n".join(window)
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        renamed = _TOP_LEVEL_NAME.sub(lambda match: f"{match[1]} {match[2]}Copy{step}", source)
        return renamed.split("\n")
    return None


def _paste(text: str, tree: ast.Module, step: int) -> str:
    lines = text.split("\n")
    block = _paste_block(lines, tree, step)
    if block is None:
        return _append_comment(text, tree, step)
    ranges = _top_level_ranges(tree, len(lines))
    # Paste at a boundary away from where the copy came from: a third of the file further.
    target = ranges[(len(ranges) // 3 + step * 5) % len(ranges)][0]
    return "\n".join([*lines[:target], *block, *lines[target:]])


def _delete_class(text: str, tree: ast.Module, step: int) -> str:
    lines = text.split("\n")
    ranges = [
        span for span, node in zip(_top_level_ranges(tree, len(lines)), tree.body, strict=True)
        if isinstance(node, ast.ClassDef)
    ]
    start, end = ranges[(len(ranges) * 2 // 3 + step * 11) % len(ranges)]
    return "\n".join([*lines[:start], *lines[end:]])


def plan_document_edits(source: str, edit_count: int) -> list[FullText]:
    """`edit_count` full-document steps, each the document after one edit of the mix above."""
    steps: list[FullText] = []
    text = source
    for step in range(edit_count):
        tree = ast.parse(text)
        if step % PASTE_EVERY == PASTE_EVERY // 2 - 1:
            text, kind = _paste(text, tree, step), "paste"
        elif step % PASTE_EVERY == PASTE_EVERY - 1:
            text, kind = _delete_class(text, tree, step), "delete"
        else:
            text, kind = _append_comment(text, tree, step), "comment"
        steps.append(FullText(text, kind))
    return steps
