"""A notebook's code cells as one program, and the way back to cells.

A model defined in one cell is usually called in the next, so the analysis must see all code
cells together. `build_program` joins them in order with a newline (each cell keeps its own
lines, so a program line maps to exactly one cell line) and blanks IPython syntax (`%magic`,
`!shell`, `obj?`) that Python cannot parse, keeping the line count so positions stay valid.
`locate` maps a program line back to its cell; `rewrite_cells` maps a rewritten program (a
quick-fix's output) back to new texts for the cells it changed.

JupyterLab sends a notebook differently: as one text document named after the `.ipynb`, the
cells joined by two blank lines, which a cell may contain too, so the cell boundaries cannot
be recovered from it. A message about such a document quotes the code of a line it refers to
(`quoting_line_label`) instead of naming a line of the concatenation the user never sees.

Pure functions only: no pygls, no LSP types.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# `%%time` and friends run the rest of the cell as Python; any other cell magic (`%%bash`,
# `%%html`, `%%writefile`) makes the whole cell foreign text.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_IPYTHON_LINE = re.compile(
    r"""^\s*(?:
        [%!]                          # %magic, !shell
      | [\w.]+\s*=\s*[%!]             # files = !ls, t = %timeit -o f()
      | \?\??\s*[\w.]                 # ?obj, ??obj
      | [\w.]+\s*\?\??\s*$            # obj?, obj??
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class CellSpan:
    """Where one code cell sits in the joined program."""

    uri: str
    first_line: int
    """0-based program line of the cell's first line."""
    line_count: int


@dataclass(frozen=True)
class NotebookProgram:
    text: str
    """The code cells joined with newlines, IPython syntax blanked out."""
    cells: tuple[CellSpan, ...]
    originals: tuple[str, ...]
    """Each cell's text as the user wrote it (magics included), in cell order."""


def blank_ipython_syntax(cell_text: str) -> str:
    """The cell with IPython-only lines made harmless for `ast.parse`, line count unchanged.

    An indented magic becomes `pass` so a block whose only statement it was still parses.
    """
    lines = cell_text.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic_name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic_name not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        lines[0] = ""
    return "\n".join(_blank_line(line) for line in lines)


def _blank_line(line: str) -> str:
    if not _IPYTHON_LINE.match(line):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


def build_program(cells: Sequence[tuple[str, str]]) -> NotebookProgram:
    """Join `(uri, text)` code cells, in notebook order, into one analysable program."""
    spans: list[CellSpan] = []
    blanked: list[str] = []
    next_line = 0
    for uri, text in cells:
        line_count = text.count("\n") + 1
        spans.append(CellSpan(uri=uri, first_line=next_line, line_count=line_count))
        blanked.append(blank_ipython_syntax(text))
        next_line += line_count
    return NotebookProgram(
        text="\n".join(blanked),
        cells=tuple(spans),
        originals=tuple(text for _, text in cells),
    )


def locate(program: NotebookProgram, program_line: int) -> tuple[int, int] | None:
    """(cell index, 0-based line in that cell) of a 0-based program line; None if outside."""
    if program_line < 0 or not program.cells:
        return None
    starts = [cell.first_line for cell in program.cells]
    index = bisect.bisect_right(starts, program_line) - 1
    cell = program.cells[index]
    if program_line >= cell.first_line + cell.line_count:
        return None
    return index, program_line - cell.first_line


def rewrite_cells(program: NotebookProgram, new_text: str) -> dict[int, str] | None:
    """New texts, by cell index, of the cells that `new_text` (the rewritten program) changes.

    Each changed run of lines must fall inside one cell (lines inserted exactly between two
    cells go to the end of the earlier one). None when a change straddles cells or would
    overwrite a blanked IPython line, since the user's magic cannot be recovered from it.
    """
    old_lines = program.text.split("\n")
    new_lines = new_text.split("\n")
    original_lines = [original.split("\n") for original in program.originals]
    rewritten = [list(lines) for lines in original_lines]
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    changed: set[int] = set()
    # Apply from the bottom up so the line indices of earlier changes stay valid.
    for _tag, old_start, old_end, new_start, new_end in reversed(changes):
        owner = _owning_cell(program, old_start, old_end)
        if owner is None:
            return None
        index, local_start = owner
        local_end = local_start + (old_end - old_start)
        first_line = program.cells[index].first_line
        for local in range(local_start, local_end):
            if old_lines[first_line + local] != original_lines[index][local]:
                return None
        rewritten[index][local_start:local_end] = new_lines[new_start:new_end]
        changed.add(index)
    return {index: "\n".join(rewritten[index]) for index in sorted(changed)}


def _owning_cell(
    program: NotebookProgram, old_start: int, old_end: int
) -> tuple[int, int] | None:
    """(cell index, local start line) of the cell holding old lines [old_start, old_end)."""
    if old_start == old_end:
        # A pure insertion: at a cell boundary it extends the earlier cell.
        if old_start > 0:
            located = locate(program, old_start - 1)
            if located is not None:
                return located[0], located[1] + 1
        located = locate(program, old_start)
        return located
    first = locate(program, old_start)
    last = locate(program, old_end - 1)
    if first is None or last is None or first[0] != last[0]:
        return None
    return first


def cell_line_label(program: NotebookProgram) -> Callable[[int], str]:
    """A `line_label` for the analysis of `program`: a 1-based program line -> "9 of cell 2"
    (cells counted among the program's code cells)."""

    def label(program_line: int) -> str:
        located = locate(program, program_line - 1)
        return f"{located[1] + 1} of cell {located[0] + 1}" if located else str(program_line)

    return label


QUOTE_WIDTH = 60
"""Longest code quoted in a message, in characters (longer code is cut with an ellipsis)."""


def is_joined_notebook(path: str | None) -> bool:
    """Whether a text document is a whole notebook joined into one (JupyterLab's virtual
    document: the notebook's own path, or its copy under `.virtual_documents/`)."""
    return bool(path) and str(path).lower().endswith(".ipynb")


def quoting_line_label(text: str) -> Callable[[int], str]:
    """A `line_label` for the analysis that writes a 1-based line of `text` as its quoted code:
    "after its first call on line 24" reads "after its first call on `x = bn(conv_1(x))`"."""
    lines = text.split("\n")

    def label(line: int) -> str:
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if not code:
            return str(line)
        if len(code) > QUOTE_WIDTH:
            code = code[: QUOTE_WIDTH - 1].rstrip() + "\u2026"
        return f"`{code.replace('`', chr(39))}`"

    return label
