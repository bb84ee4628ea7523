"""A keystroke reuses the diagnostics of the findings it did not change, and what it publishes
is exactly what building every diagnostic anew gives."""

from __future__ import annotations

import random

from lsp_client import EXAMPLE

from layerlint.analysis import analyse
from layerlint.lsp import convert
from layerlint.lsp.document_analysis import _diagnostics_of
from layerlint.lsp.line_edit import split_lines

URI = EXAMPLE.as_uri()
UNITS = convert.units_counter(None)


def _edits(text: str, count: int) -> list[str]:
    """Texts after typing comments, inserting lines and emptying lines at random places."""
    chooser = random.Random(12)
    texts = []
    for _ in range(count):
        lines = text.split("\n")
        where = chooser.randrange(len(lines))
        action = chooser.choice(["comment", "insert", "empty", "unicode"])
        if action == "comment":
            lines[where] += "  # note"
        elif action == "insert":
            lines.insert(where, "")
        elif action == "empty" and lines[where].strip().startswith("return"):
            lines[where] = lines[where][: len(lines[where]) - len(lines[where].lstrip())] + "pass"
        else:
            lines[where] += "  # é𝛼"
        text = "\n".join(lines)
        texts.append(text)
    return texts


def test_reused_diagnostics_equal_diagnostics_built_anew() -> None:
    text = EXAMPLE.read_text() * 3  # the same classes thrice: findings in several blocks
    previous: dict = {}
    reused = 0
    for version in _edits(text, 40):
        outcome = analyse(version, path=str(EXAMPLE))
        lines = split_lines(version)
        built = _diagnostics_of(outcome, URI, lines, UNITS, previous)
        fresh = _diagnostics_of(outcome, URI, lines, UNITS, {})
        assert [diagnostic for _, (_, diagnostic) in built] == [
            diagnostic for _, (_, diagnostic) in fresh]
        reused += sum(entry is previous.get(finding) for finding, entry in built)
        previous = {finding: entry for finding, entry in built if entry[0]}
    assert reused > 40  # most findings survive most edits


def test_a_finding_whose_line_changed_is_placed_again() -> None:
    text = EXAMPLE.read_text()
    outcome = analyse(text, path=str(EXAMPLE))
    lines = split_lines(text)
    first = dict(_diagnostics_of(outcome, URI, lines, UNITS, {}))
    finding = next(iter(first))
    (index, line), *_ = first[finding][0]
    changed = [*lines]
    changed[index] = "é" + line  # the same finding now starts one UTF-16 unit further right
    again = dict(_diagnostics_of(outcome, URI, changed, UNITS, first))
    assert again[finding] is not first[finding]
    assert again[finding] == _diagnostics_of(outcome, URI, changed, UNITS, {})[0][1]
