"""Notebooks as one program: the code cells of an .ipynb joined in order, with a map back from
program lines to (cell number, line in cell). IPython magics and shell escapes are blanked so
the program parses while every line keeps its number."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass

_MAGIC = re.compile(r"^(\s*)([%!].*|\?.*|.*\?\s*$)")


class NotebookError(ValueError):
    """The file is not a readable notebook."""


@dataclass(frozen=True)
class NotebookProgram:
    text: str
    cell_starts: list[int]
    """1-based program line where each code cell starts."""
    cell_numbers: list[int]
    """1-based position of each code cell among all cells of the notebook."""

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, 1-based line in that cell) of a program line."""
        index = max(bisect_right(self.cell_starts, line) - 1, 0)
        return self.cell_numbers[index], line - self.cell_starts[index] + 1


def blank_magics(source: str) -> str:
    """Replace IPython-only lines with `pass` at the same indentation (line count kept)."""
    lines = source.split("\n")
    for index, line in enumerate(lines):
        match = _MAGIC.match(line)
        if match and not line.lstrip().startswith("#"):
            lines[index] = f"{match.group(1)}pass"
    return "\n".join(lines)


def join_cells(cells: list[str], numbers: list[int]) -> NotebookProgram:
    pieces: list[str] = []
    starts: list[int] = []
    line = 1
    for source in cells:
        starts.append(line)
        body = blank_magics(source).rstrip("\n")
        pieces.append(body + "\n")
        line += body.count("\n") + 1
    return NotebookProgram("".join(pieces), starts, numbers)


def notebook_program(raw: str) -> NotebookProgram:
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as error:
        raise NotebookError(f"not a notebook: {error}") from error
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: `cells` is not a list")
    sources: list[str] = []
    numbers: list[int] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"not a notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"not a notebook: the source of cell {number} is not text")
        sources.append(source)
        numbers.append(number)
    return join_cells(sources, numbers)
