"""Apply every applicable quick-fix to a module's text: `layerlint check --fix/--diff` and the
`source.fixAll.layerlint` code action.

Analyse, apply the first fix that changes the text, analyse again (the other proposals'
positions are stale after an edit), until no fix applies. Only the fixes of rules whose record
(`analysis.rules`) marks them safe are applied, all with `unsafe_fixes`; a fix whose output does
not parse is skipped, so the result always parses when the input did.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from layerlint.analysis import analyse
from layerlint.analysis.rules import is_applicable
from layerlint.config import Settings
from layerlint.fix_requests import FixRequest
from layerlint.fixes import FixError, apply_fix

_MAX_ROUNDS = 50


@dataclass(frozen=True)
class FixOutcome:
    text: str
    applied: tuple[str, ...]
    """Titles of the fixes applied, in order."""


def fix_text(
    text: str, *, path: str | None, settings: Settings, unsafe_fixes: bool = False
) -> FixOutcome:
    applied: list[str] = []
    for _ in range(_MAX_ROUNDS):
        proposals = [
            fix
            for finding in analyse(text, path=path, settings=settings).findings
            if is_applicable(finding.code, unsafe_fixes)
            for fix in finding.fixes
        ]
        for proposal in proposals:
            new_text = _try(text, proposal)
            if new_text is not None and new_text != text:
                applied.append(proposal.title)
                text = new_text
                break
        else:
            break
    return FixOutcome(text, tuple(applied))


def _try(text: str, proposal: FixRequest) -> str | None:
    try:
        new_text = apply_fix(text, proposal)
        ast.parse(new_text)
    except (FixError, SyntaxError, ValueError):
        return None
    return new_text
