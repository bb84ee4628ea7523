"""Findings of a half-typed block: the last good ones, remembered per block.

While a class is half-typed its block does not parse; its last good findings keep showing
(without quick-fixes, whose positions may be stale) until it parses again. A block is known by
its first line and how many blocks above start with the same line (a notebook-style file may
define `class Block` twice: each keeps its own findings).
"""

from __future__ import annotations

from dataclasses import replace

from layerlint.analysis.caches import last_good, remember
from layerlint.analysis.finding_output import shift
from layerlint.analysis.source import Block
from layerlint.findings import Finding, Span

_writes = [0]
"""How many times `remember_good_findings` changed the remembered findings (`writes`)."""


def writes() -> int:
    """A count that changes whenever `remember_good_findings` stores or drops a block's
    findings (a store may evict another block's): while it stays put, what a block stored is
    still there (`block_memo.BlockMemo.carried_rows`)."""
    return _writes[0]


def block_header(block: Block) -> str:
    text = block.text
    end = text.find("\n")  # not split(): that would copy the rest of the block
    return text if end < 0 else text[:end]


def remember_good_findings(
    path: str | None, block: Block, ordinal: int, findings: list[Finding],
    header: str | None = None,
) -> None:
    """Remember the findings of a block that parsed; `header`: its `block_header`, when the
    caller has it already."""
    if path is None:
        return
    key = (path, block_header(block) if header is None else header, ordinal)
    if findings:
        remembered = last_good.get(key)
        if remembered is not None and remembered[2] is findings and remembered[0] == block.start_line:
            return  # an unchanged block: its findings are the very list remembered last time
        kept = [replace(finding, fixes=()) if finding.fixes else finding for finding in findings]
        remember(last_good, key, (block.start_line, kept, findings))
        _writes[0] += 1
    elif key in last_good:
        del last_good[key]
        _writes[0] += 1


def last_good_findings(path: str | None, block: Block, ordinal: int, text: str) -> list[Finding]:
    if path is None:
        return []
    remembered = last_good.get((path, block_header(block), ordinal))
    if remembered is None:
        return []
    start_line, findings, _ = remembered
    lines = block.text.split("\n")
    document: list[str] = []  # the module's lines, split only for a place outside the block
    # The block's lines but its last (the text after its final newline) are the module's.
    first_line, end_line = block.start_line, block.start_line + len(lines) - 1

    def in_document(span: Span) -> bool:
        if first_line <= span.line <= span.end_line < end_line:
            return _inside(span, first_line, lines)
        if not document:
            document.extend(text.split("\n"))
        return _inside(span, 1, document)

    kept = []
    for finding in (shift(finding, block.start_line - start_line) for finding in findings):
        if _inside(finding.span, block.start_line, lines):
            # A related place elsewhere in the module may be gone by now (the rest of the
            # document is being typed too): keep only those still inside the document.
            related = tuple(item for item in finding.related if in_document(item.span))
            kept.append(replace(finding, related=related) if related != finding.related else finding)
    return kept


def _inside(span: Span, start_line: int, lines: list[str]) -> bool:
    """Whether a remembered span still lies inside the block's current text."""
    first, last = span.line - start_line, span.end_line - start_line
    return (0 <= first <= last < len(lines) and span.column <= len(lines[first]) + 1
            and span.end_column <= len(lines[last]) + 1)
