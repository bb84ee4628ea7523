"""The reuse rules (LL101-LL104) against the ground-truth fixtures in tests/fixtures/reuse.

For every fixture the analysis must report exactly the `# expect:` set (line, code, severity):
a missing finding is a missed bug, any other finding a false positive. The fixtures' headers
were checked under the framework (tests/test_framework_runner.py); here a crash must be
predicted by an error and a clean run by none. Quick-fixes named by `# fix:` are applied and the
fixed programs run under the framework: no crash, one layer per call site.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from framework_runner import (
    Fixture,
    Program,
    RunOutcome,
    load_fixtures,
    mismatch_report,
    run_programs,
)

from layerlint.analysis import analyse
from layerlint.config import Settings
from layerlint.findings import Finding
from layerlint.fixes import apply_fix

REUSE_CODES = ("LL101", "LL102", "LL103", "LL104")
FIXTURES = load_fixtures(Path(__file__).resolve().parents[1] / "fixtures" / "reuse")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


def _ids(fixtures: list[Fixture]) -> list[str]:
    return [fixture.name for fixture in fixtures]


def reuse_findings(fixture: Fixture, source: str | None = None) -> list[Finding]:
    result = analyse(source or fixture.source, path=str(fixture.path), settings=Settings())
    return [finding for finding in result.findings if finding.code in REUSE_CODES]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_findings_match_expectations(fixture):
    problem = mismatch_report(fixture, reuse_findings(fixture), f"{fixture.path}:")
    assert problem is None, problem


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_runtime_header_agrees_with_expected_severity(fixture):
    """A crash the framework shows must be predicted as an error; a clean run must not be."""
    errors = [e for e in fixture.expectations if e.severity == "error"]
    if fixture.runtime == "crash":
        assert errors, f"{fixture.name} crashes under the framework but expects no error"
    else:
        assert not errors, f"{fixture.name} runs cleanly but expects errors on {errors}"


# --- Quick-fix round trip under the framework -------------------------------------------------


@dataclass(frozen=True)
class FixAttempt:
    fixture: Fixture
    fixed_source: str | None
    problem: str | None
    """Why no fixed program could be produced (no finding, no such fix, fix failed)."""


def attempt_fix(fixture: Fixture) -> FixAttempt:
    """Apply the fixture's one `# fix:` (the title the finding on that line must offer)."""
    (line, title), = fixture.fixes.items()
    try:
        offered = [fix for f in reuse_findings(fixture) if f.span.line == line for fix in f.fixes]
        chosen = [fix for fix in offered if fix.title == title]
        if not chosen:
            titles = [fix.title for fix in offered]
            return FixAttempt(fixture, None, f"line {line}: no fix {title!r} (offered: {titles})")
        source = apply_fix(fixture.source, chosen[0])
        ast.parse(source)
    except Exception as error:  # a failing analysis or fix is this fixture's problem to report
        return FixAttempt(fixture, None, f"line {line}: {type(error).__name__}: {error}")
    return FixAttempt(fixture, source, None)


def test_fixable_fixtures_name_one_fix_each():
    # One fix per fixture keeps line numbers meaningful: a fix adds lines above later sites.
    assert WITH_FIXES
    assert all(len(fixture.fixes) == 1 for fixture in WITH_FIXES)


@pytest.mark.parametrize("fixture", WITH_FIXES, ids=_ids(WITH_FIXES))
def test_fix_resolves_the_finding(fixture):
    """After the fix the analysis has no error or warning left for the reuse it fixed."""
    attempt = attempt_fix(fixture)
    assert attempt.problem is None, f"{fixture.name}: {attempt.problem}"
    fixed = replace(fixture, source=attempt.fixed_source)
    remaining = [f for f in reuse_findings(fixed) if f.severity.value in ("error", "warning")]
    assert not remaining, (
        f"{fixture.name}: still reported after the fix: "
        + "; ".join(f"line {f.span.line} {f.code} {f.severity.value}: {f.message}"
                    for f in remaining))


@pytest.fixture(scope="module")
def fixed_runs() -> dict[str, tuple[FixAttempt, RunOutcome | None]]:
    """Every fixable fixture fixed, then all fixed programs run in one subprocess per framework."""
    attempts = [attempt_fix(fixture) for fixture in WITH_FIXES]
    programs = [
        Program(attempt.fixture.name, attempt.fixed_source, attempt.fixture.framework,
                f"<fixed {attempt.fixture.name}>")
        for attempt in attempts if attempt.fixed_source is not None
    ]
    outcomes = run_programs(programs) if programs else {}
    return {a.fixture.name: (a, outcomes.get(a.fixture.name)) for a in attempts}


@pytest.mark.framework
@pytest.mark.parametrize("fixture", WITH_FIXES, ids=_ids(WITH_FIXES))
def test_fix_round_trip_runs_under_the_framework(fixture, fixed_runs):
    attempt, outcome = fixed_runs[fixture.name]
    assert attempt.problem is None, f"{fixture.name}: {attempt.problem}"
    assert outcome is not None
    assert not outcome.crashed, (
        f"{fixture.name} still fails after the fix: {outcome.error_type}: "
        f"{outcome.error_message}\n--- fixed program ---\n{attempt.fixed_source}")
    for layer, count in fixture.after_fix.items():
        assert outcome.layer_counts.get(layer, 0) == count, (
            f"{fixture.name}: expected {count} {layer} after the fix, "
            f"the model holds {outcome.layer_counts}")
