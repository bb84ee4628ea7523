"""Runs the rules over a module and returns findings (interface first; filled in below)."""

from __future__ import annotations

from dataclasses import dataclass, field

from layerlint.config import Settings
from layerlint.findings import Finding


@dataclass(frozen=True)
class SyntaxProblem:
    """A part of the file that does not parse; the rest is still analysed."""

    message: str
    line: int
    column: int


@dataclass(frozen=True)
class AnalysisResult:
    findings: list[Finding] = field(default_factory=list)
    syntax_problems: list[SyntaxProblem] = field(default_factory=list)


def analyse(text: str, *, path: str | None = None, settings: Settings | None = None) -> AnalysisResult:
    """Analyse one module's source text."""
    return AnalysisResult()
