"""A notebook as JupyterLab hands it to a Python language server: one virtual text document.

JupyterLab's LSP client (jupyterlab-lsp over `@jupyterlab/lsp`) rewrites IPython syntax into
Python, then joins the cells: each cell's lines plus a newline, the blocks separated by two
blank lines; a markdown cell leaves an empty block. The rewrites below are jupyterlab-lsp
5.3's IPython overrides, ported from its bundled code; `fixtures/
jupyterlab_virtual_document.json` is the text a server received from the real JupyterLab, and
`test_virtual_document.py` checks this module against it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BLANK_LINES_BETWEEN_CELLS = 2
_PLAIN_CELL_MAGICS = ("time", "capture")
"""Cell magics whose body stays Python, between two marker comments."""
_NAME = r"""([^?\s'"()*+/#]+)"""
_ASSIGNED = r"^(\s*|\s*\S+\s*=\s*)"


def _escape(text: str) -> str:
    return re.sub(r'(["\\])', r"\\\1", text)


def _pinfo(marks: str) -> str:
    return "pinfo" if marks == "?" else "pinfo2"


_LINE_OVERRIDES = (
    (re.compile(_ASSIGNED + r"!([^=\s]+)(.*)"),
     lambda m: f'{m[1]}get_ipython().getoutput("{m[2]}{m[3]}")'),
    (re.compile(r"^(\s*)(\?{1,2})" + _NAME + r"$"),
     lambda m: f"{m[1]}get_ipython().run_line_magic('{_pinfo(m[2])}', '{m[3]}')"),
    (re.compile(r"^(\s*)" + _NAME + r"(\?{1,2})"),
     lambda m: f"{m[1]}get_ipython().run_line_magic('{_pinfo(m[3])}',  '{m[2]}')"),
    (re.compile(_ASSIGNED + r"%(\S+)(.*)"),
     lambda m: f'{m[1]}get_ipython().run_line_magic("{m[2]}", "{_escape(m[3])}")'),
)
_CELL_MAGIC = re.compile(r"^%%(\S+)(.*\n)([\s\S]*)")


@dataclass(frozen=True)
class VirtualDocument:
    text: str
    cell_starts: tuple[int | None, ...]
    """0-based line of the virtual document where each code cell starts (None: other cells)."""

    def line_of(self, cell_index: int, cell_line: int) -> int:
        """The virtual document line of a 0-based line in a code cell."""
        start = self.cell_starts[cell_index]
        if start is None:
            raise ValueError(f"cell {cell_index} is not a code cell")
        return start + cell_line


def rewrite_ipython(cell: str) -> str:
    """A code cell with IPython syntax rewritten the way jupyterlab-lsp does."""
    match = _CELL_MAGIC.match(cell)
    if match:
        name, arguments, body = match[1], _escape(match[2])[:-1], match[3]
        if name in _PLAIN_CELL_MAGICS:
            cell = f'# START_CELL_MAGIC("{name}", "{arguments}")\n{body}\n# END_CELL_MAGIC'
        else:
            body = body.replace('"""', r"\"\"\"")
            cell = f'get_ipython().run_cell_magic("{name}", "{arguments}", """{body}""")'
    return "\n".join(_rewrite_line(line) for line in cell.split("\n"))


def _rewrite_line(line: str) -> str:
    for pattern, replacement in _LINE_OVERRIDES:
        line = pattern.sub(replacement, line, count=1)
    return line


def virtual_document(cells: Sequence[tuple[str, str]]) -> VirtualDocument:
    """The virtual document of `(cell_type, source)` cells, in notebook order."""
    blocks: list[str] = []
    starts: list[int | None] = []
    line = 0
    for cell_type, source in cells:
        code = cell_type == "code"
        lines = rewrite_ipython(source).split("\n") if code else [""]
        starts.append(line if code else None)
        blocks.append("\n".join(lines) + "\n")
        line += len(lines) + BLANK_LINES_BETWEEN_CELLS
    separator = "\n" * BLANK_LINES_BETWEEN_CELLS
    return VirtualDocument(separator.join(blocks), tuple(starts))
