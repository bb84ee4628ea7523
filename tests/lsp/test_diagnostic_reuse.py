"""A keystroke reuses the diagnostics of the findings it did not change, and what it publishes
is exactly what building every diagnostic anew gives."""

from __future__ import annotations

import dataclasses
import random

from lsp_client import EXAMPLE

from layerlint.analysis import analyse
from layerlint.lsp import convert
from layerlint.lsp.document_analysis import _diagnostics_of, reusable
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
        reused += sum(entry is _entry_of(previous, finding) for finding, entry in built)
        previous = reusable(built)
    assert reused > 40  # most findings survive most edits


def _entry_of(previous: dict, finding) -> object:
    """The previous version's entry for a finding equal to `finding`, if any."""
    return next((entry for other, entry in previous.values() if other == finding), None)


def test_findings_of_unchanged_blocks_are_known_by_identity_and_equal_ones_by_value() -> None:
    text = EXAMPLE.read_text()
    outcome = analyse(text, path=str(EXAMPLE))
    lines = split_lines(text)
    first = _diagnostics_of(outcome, URI, lines, UNITS, {})
    (finding, entry), *_ = first
    same = _diagnostics_of(outcome, URI, lines, UNITS, reusable(first))
    assert same[0][1] is entry
    copy = dataclasses.replace(finding)  # an equal finding, another object
    assert copy is not finding
    copied = _diagnostics_of(type(outcome)([copy]), URI, lines, UNITS, reusable(first))
    assert copied[0][1] is entry


def test_a_finding_whose_line_changed_is_placed_again() -> None:
    text = EXAMPLE.read_text()
    outcome = analyse(text, path=str(EXAMPLE))
    lines = split_lines(text)
    built = _diagnostics_of(outcome, URI, lines, UNITS, {})
    first = dict(built)
    finding = next(iter(first))
    (index, line), *_ = first[finding][0]
    changed = [*lines]
    changed[index] = "é" + line  # the same finding now starts one UTF-16 unit further right
    again = dict(_diagnostics_of(outcome, URI, changed, UNITS, reusable(built)))
    assert again[finding] is not first[finding]
    assert again[finding] == _diagnostics_of(outcome, URI, changed, UNITS, {})[0][1]
