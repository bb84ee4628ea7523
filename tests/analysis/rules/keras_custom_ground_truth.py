"""Ground truth for the Keras custom-layer rules LL201-LL204, shared by their four test files.

The fixtures are `tests/fixtures/custom/keras_ll20N_*.py` (format: tests/fixtures/reuse/README.md).
A fixture whose misbehaviour is not an exception (a weight that never trains, a print that runs
at trace time only, a model that does not survive save + load) makes it observable: `run()`
raises `RuntimeError("misbehaved: ...")`, so `# runtime: crash` covers it too. Verdicts:
- a framework exception must be predicted by an error-severity expectation;
- an observed misbehaviour by a warning or an error;
- a clean run by no error.

Importing TensorFlow costs seconds, so `framework_outcomes()` runs every fixture and every
fixed program (the fixture after its `# fix:` quick-fix) in ONE subprocess, once per pytest
session, whichever of the four test files asks first.
"""

from __future__ import annotations

import ast
import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from framework_runner import Fixture, Program, RunOutcome, load_fixture, run_programs

from layerlint.analysis import analyse
from layerlint.config import Settings
from layerlint.findings import Finding
from layerlint.fixes import apply_fix

CODES = ("LL201", "LL202", "LL203", "LL204")
FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "custom"
MISBEHAVED = "misbehaved:"
FIXED_PREFIX = "fixed "


def fixtures_for(code: str) -> list[Fixture]:
    paths = sorted(FIXTURE_DIR.glob(f"keras_{code.lower()}_*.py"))
    return [load_fixture(path) for path in paths]


def all_fixtures() -> list[Fixture]:
    return [fixture for code in CODES for fixture in fixtures_for(code)]


def ids(fixtures: list[Fixture]) -> list[str]:
    return [fixture.name for fixture in fixtures]


def findings(source: str, path: Path | str = "<fixture>") -> list[Finding]:
    result = analyse(source, path=str(path), settings=Settings())
    return [finding for finding in result.findings if finding.code in CODES]


def expectation_mismatch(fixture: Fixture, source: str | None = None) -> str | None:
    """None when the analysis reports exactly the fixture's `# expect:` set, else a readable diff."""
    found = findings(source or fixture.source, fixture.path)
    expected = Counter((e.line, e.code, e.severity) for e in fixture.expectations)
    actual = Counter((f.span.line, f.code, f.severity.value) for f in found)
    if expected == actual:
        return None
    lines = fixture.source.splitlines()
    messages = {(f.span.line, f.code, f.severity.value): f.message for f in found}
    report = [f"{fixture.path}:"]
    for label, keys in (("missing", expected - actual), ("unexpected", actual - expected)):
        for line, code, severity in sorted(keys.elements()):
            text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
            report.append(f"  {label:10} line {line}: {code} {severity}   | {text}")
            if label == "unexpected":
                report.append(f"  {'':10} message: {messages[(line, code, severity)]}")
    return "\n".join(report)


def header_problem(fixture: Fixture) -> str | None:
    """The expectations must agree with what `# runtime:` says the framework does."""
    severities = {e.severity for e in fixture.expectations}
    if fixture.runtime == "ok":
        return f"runs cleanly but expects errors: {fixture.expectations}" if "error" in severities else None
    observed = (fixture.runtime_error or "").startswith(MISBEHAVED)
    if observed and not severities & {"error", "warning"}:
        return "misbehaves under the framework but expects no warning or error"
    if not observed and "error" not in severities:
        return "crashes under the framework but expects no error"
    return None


@dataclass(frozen=True)
class FixAttempt:
    fixture: Fixture
    fixed_source: str | None
    problem: str | None


def attempt_fix(fixture: Fixture) -> FixAttempt:
    """Apply the fixture's one `# fix:` quick-fix, offered by the finding on that line."""
    key = (fixture.name, fixture.source)
    if key not in _fix_attempts:
        _fix_attempts[key] = _attempt_fix(fixture)
    return _fix_attempts[key]


_fix_attempts: dict[tuple[str, str], FixAttempt] = {}


def _attempt_fix(fixture: Fixture) -> FixAttempt:
    ((line, title),) = fixture.fixes.items()
    try:
        offered = [fix for f in findings(fixture.source, fixture.path) if f.span.line == line
                   for fix in f.fixes]
        chosen = [fix for fix in offered if fix.title == title]
        if not chosen:
            titles = [fix.title for fix in offered]
            return FixAttempt(fixture, None, f"line {line}: no fix {title!r} (offered: {titles})")
        source = apply_fix(fixture.source, chosen[0])
        ast.parse(source)
    except Exception as error:  # a failing analysis or fix is the fixture's problem to report
        return FixAttempt(fixture, None, f"line {line}: {type(error).__name__}: {error}")
    return FixAttempt(fixture, source, None)


@functools.cache
def framework_outcomes() -> dict[str, RunOutcome]:
    """Every keras_* fixture and every fixed program, run in one TensorFlow subprocess."""
    programs = [fixture.program() for fixture in all_fixtures()]
    for fixture in all_fixtures():
        if fixture.fixes:
            attempt = attempt_fix(fixture)
            if attempt.fixed_source is not None:
                programs.append(Program(FIXED_PREFIX + fixture.name, attempt.fixed_source,
                                        fixture.framework, f"<fixed {fixture.name}>"))
    return run_programs(programs)


def verdict_problem(fixture: Fixture, outcome: RunOutcome) -> str | None:
    """None when the framework did what the fixture's header says."""
    error = f"{outcome.error_type}: {outcome.error_message}"
    if fixture.runtime == "ok":
        return f"expected a clean run, got {error}" if outcome.crashed else None
    if not outcome.crashed:
        return "expected a crash or an observed misbehaviour, but run() finished cleanly"
    if fixture.runtime_error and fixture.runtime_error not in (outcome.error_message or ""):
        return f"expected {fixture.runtime_error!r} in the error, got {error}"
    return None
