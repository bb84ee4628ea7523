"""What every fuzz test checks on any input text, and the bounded hypothesis settings.

- `analyse` never raises, and every finding's span (and related span) lies inside the text,
  counted the way LSP counts lines (`\\n`, `\\r\\n`, `\\r`) and characters;
- the LSP conversion of each finding gives a range inside the document;
- every fix proposal either applies or raises `FixError`, never anything else; its result
  parses when the text did, and never adds a part that does not parse when it did not.

Example counts are fixed so the suite's time is bounded on a 2-core CI machine;
`LAYERLINT_FUZZ_SCALE=20` multiplies them (and switches to random seeds) for a longer hunt.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, settings

from layerlint.analysis import AnalysisResult, analyse
from layerlint.commands.file_write import parse_problem
from layerlint.findings import Span
from layerlint.fix_requests import FixRequest
from layerlint.fixes import FixError, apply_fix
from layerlint.lsp import convert
from layerlint.lsp.line_edit import split_lines

ROOT = Path(__file__).resolve().parents[2]
SCALE = max(1, int(os.environ.get("LAYERLINT_FUZZ_SCALE", "1")))
RUN_COUNTS: Counter[str] = Counter()
"""Inputs checked per test in this process (the README's counts come from these)."""


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


def fixture_files() -> list[Path]:
    files = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    return files + sorted((ROOT / "examples").glob("*.py"))


def fixture_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in fixture_files()]


def check_span(span: Span, lines: list[str], what: str) -> None:
    assert 1 <= span.line <= span.end_line <= len(lines), f"{what}: lines {span} outside 1..{len(lines)}"
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, f"{what}: start column {span}"
    assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, f"{what}: end column {span}"
    if span.line == span.end_line:
        assert span.column <= span.end_column, f"{what}: reversed span {span}"


def check_analysis(text: str, path: str | None = None, label: str = "analysis") -> AnalysisResult:
    RUN_COUNTS[label] += 1
    result = analyse(text, path=path)
    lines = split_lines(text)
    place = convert.text_placer("file:///fuzz.py", text, convert.units_counter(None))
    for finding in result.findings:
        check_span(finding.span, lines, finding.code)
        for related in finding.related:
            check_span(related.span, lines, f"{finding.code} related")
        _, diagnostic = convert.to_diagnostic(finding, place)
        for position in (diagnostic.range.start, diagnostic.range.end):
            assert 0 <= position.line < len(lines)
            assert 0 <= position.character <= len(lines[position.line].encode("utf-16-le")) // 2
    for problem in result.syntax_problems:
        assert 1 <= problem.line <= len(lines) + 1, f"syntax problem outside the text: {problem}"
    return result


def proposals_of(result: AnalysisResult) -> list[FixRequest]:
    unique: dict[tuple[str, str], FixRequest] = {}
    for finding in result.findings:
        for proposal in finding.fixes:
            unique.setdefault((proposal.kind, repr(sorted(proposal.data.items()))), proposal)
    return list(unique.values())


def check_fixes(text: str, result: AnalysisResult, label: str = "fixes") -> int:
    """Apply every proposal of `result` to `text`; returns how many applied."""
    applied = 0
    parsed_before = parse_problem(text) is None
    problems_before = len(result.syntax_problems)
    for proposal in proposals_of(result):
        RUN_COUNTS[label] += 1
        try:
            fixed = apply_fix(text, proposal)
        except FixError:
            continue
        applied += 1
        problem = parse_problem(fixed)
        if parsed_before:
            assert problem is None, f"{proposal.title}: the fix broke the code: {problem}"
        else:
            after = len(analyse(fixed).syntax_problems)
            assert after <= problems_before, f"{proposal.title}: the fix added a syntax error"
    return applied


def check_everything(text: str, path: str | None = None, label: str = "analysis") -> None:
    check_fixes(text, check_analysis(text, path, label), f"{label} fixes")
