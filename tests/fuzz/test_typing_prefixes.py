"""Typing a fixture from its first character to its last: every line prefix (and the half
line after it) of every fixture, and prefixes cut at any character, keep analysis and fixes
within the invariants of `fuzz_invariants.py`."""

from __future__ import annotations

import pytest
from fuzz_invariants import (
    check_analysis,
    check_everything,
    check_fixes,
    fixture_files,
    fixture_texts,
    fuzz_settings,
    proposals_of,
)
from hypothesis import given
from hypothesis import strategies as st

from layerlint.fix_requests import FixRequest

FILES = fixture_files()
TEXTS = fixture_texts()


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_line_prefix(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    tried: set[tuple[str, str]] = set()
    for count in range(len(lines) + 1):
        prefix = "".join(lines[:count])
        half = prefix + lines[count][: len(lines[count]) // 2] if count < len(lines) else None
        for typed in (prefix, half):
            if typed is None:
                continue
            result = check_analysis(typed, str(path), "line prefixes")
            # Each distinct fix once per fixture: its positions are the same on later prefixes.
            new = [proposal for proposal in proposals_of(result) if _key(proposal) not in tried]
            tried.update(_key(proposal) for proposal in new)
            if new:
                check_fixes(typed, type(result)(findings=[
                    finding for finding in result.findings
                    if any(_key(fix) in {_key(item) for item in new} for fix in finding.fixes)
                ], syntax_problems=result.syntax_problems), "line prefix fixes")


def _key(proposal: FixRequest) -> tuple[str, str]:
    return proposal.kind, repr(sorted(proposal.data.items()))


@fuzz_settings(examples=400)
@given(index=st.integers(0, len(TEXTS) - 1), cut=st.floats(0, 1))
def test_prefix_cut_at_any_character(index: int, cut: float) -> None:
    text = TEXTS[index]
    check_everything(text[: int(len(text) * cut)], label="character prefixes")
