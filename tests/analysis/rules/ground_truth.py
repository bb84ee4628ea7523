"""Ground truth for the custom-layer and torch rules LL201-LL208, LL301 and LL302.

The fixtures are `tests/fixtures/custom/*.py` in the format of tests/fixtures/reuse/README.md.
They come in two sets, written in parallel, and each set annotates the codes of its own rules
only, so it is compared with the findings of those codes only:
- `keras_ll20N_*.py` for LL201-LL204. A misbehaviour that is not an exception (a weight that
  never trains, a print that runs at trace time only, a model that does not survive save + load)
  is made observable: `run()` raises `RuntimeError("misbehaved: ...")`, so `# runtime: crash`
  covers it too. The severities follow the runtime header: a framework exception is predicted
  by an error, an observed misbehaviour by a warning or an error, a clean run by no error.
- `b_ll<code>_*.py` for LL205-LL208, LL301 and LL302. Misbehaviour is measured with `# fact:` checks (weights
  that never train, weights that do not load), and a finding must be backed by a crash or a
  fact. One header of their own, `# keras-version: 3.9.2`, names the Keras release whose
  behaviour the `# runtime:` line and the `# expect:` annotations describe (default: the
  installed Keras); the analysis runs with that version in its settings, and under the
  installed Keras such a fixture must run cleanly instead (tests/versions/ runs it under the
  release it names).

Verdicts under the installed framework: a crash carries the `# runtime-error:` text, the
`# fact:` checks hold, and after the fixture's quick-fixes (every `# fix:` title, applied one
after the other) the program runs without crashing and none of the measured misbehaviour holds
any more. Importing TensorFlow or torch costs seconds, so `installed_outcomes(framework)` runs
every fixture and fixed program of that framework in ONE subprocess, once per pytest session.

A rule's test module gets the checks every fixture needs by subclassing `FixtureChecks` (or
`QuickFixChecks` when the rule offers a quick-fix) and naming its code.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest
from framework_runner import (
    Fixture,
    Program,
    RunOutcome,
    check_facts,
    load_fixture,
    mismatch_report,
    run_programs,
)

from layerlint.analysis import analyse, engine, environment
from layerlint.config import Settings
from layerlint.findings import Finding
from layerlint.fixes import apply_fix

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "custom"
# File prefix of a fixture set -> the codes its fixtures annotate.
FIXTURE_SETS = {
    "keras": ("LL201", "LL202", "LL203", "LL204"),
    "b": ("LL205", "LL206", "LL207", "LL208", "LL301", "LL302"),
}
FIXED_PREFIX = "fixed "
MISBEHAVED = "misbehaved:"
_KERAS_VERSION = re.compile(r"^#\s*keras-version:\s*(\S+)\s*$", re.MULTILINE)


# -- the fixtures ------------------------------------------------------------------------------
def _file_prefix(code: str) -> str:
    """The file prefix of the fixture set that holds `code`'s fixtures."""
    (prefix,) = [prefix for prefix, codes in FIXTURE_SETS.items() if code in codes]
    return prefix


def codes_checked_with(code: str) -> tuple[str, ...]:
    """The codes of `code`'s fixture set: what its fixtures annotate and its tests look at."""
    return FIXTURE_SETS[_file_prefix(code)]


def fixtures_for(code: str) -> list[Fixture]:
    paths = sorted(FIXTURE_DIR.glob(f"{_file_prefix(code)}_{code.lower()}_*.py"))
    return [load_fixture(path) for path in paths]


def all_fixtures() -> list[Fixture]:
    return [fixture for codes in FIXTURE_SETS.values() for code in codes
            for fixture in fixtures_for(code)]


def ids(fixtures: list[Fixture]) -> list[str]:
    return [fixture.name for fixture in fixtures]


def _fixture_prefix(fixture: Fixture) -> str:
    return fixture.name.split("_", 1)[0]


def _codes_of(fixture: Fixture) -> tuple[str, ...]:
    return FIXTURE_SETS[_fixture_prefix(fixture)]


def keras_version_of(fixture: Fixture) -> str | None:
    """The Keras release the fixture's annotations describe (None: the installed one)."""
    match = _KERAS_VERSION.search(fixture.source)
    return match.group(1) if match else None


def describes_installed(fixture: Fixture) -> bool:
    version = keras_version_of(fixture)
    return version is None or version == environment.keras_version()


# -- the analysis ------------------------------------------------------------------------------
def findings(
    source: str, codes: tuple[str, ...], keras_version: str | None = None, path: str = "<fixture>",
    fresh: bool = False,
) -> list[Finding]:
    """Findings of `codes`. `fresh` empties the engine's caches first, so that a fixed program
    is analysed from scratch, not partly from findings cached for the text before the fix."""
    if fresh:
        engine._block_cache.clear()
        engine._module_cache.clear()
    settings = Settings(keras_version=keras_version)
    return [f for f in analyse(source, path=path, settings=settings).findings if f.code in codes]


def expectation_mismatch(fixture: Fixture, keras_version: str | None = None) -> str | None:
    """None when the analysis reports exactly the fixture's `# expect:` set, else a readable diff."""
    version = keras_version or keras_version_of(fixture)
    found = findings(fixture.source, _codes_of(fixture), version, str(fixture.path))
    return mismatch_report(fixture, found, f"{fixture.path} (Keras {version or 'installed'}):")


def header_problem(fixture: Fixture) -> str | None:
    """None when the expectations agree with what the fixture's header says the framework does,
    by the convention of the fixture's set (see the module docstring)."""
    severities = {e.severity for e in fixture.expectations}
    if _fixture_prefix(fixture) == "b":
        return _unevidenced_finding_problem(fixture, severities)
    if fixture.runtime == "ok":
        return f"runs cleanly but expects errors: {fixture.expectations}" if "error" in severities else None
    observed = (fixture.runtime_error or "").startswith(MISBEHAVED)
    if observed and not severities & {"error", "warning"}:
        return "misbehaves under the framework but expects no warning or error"
    if not observed and "error" not in severities:
        return "crashes under the framework but expects no error"
    return None


def _unevidenced_finding_problem(fixture: Fixture, severities: set[str]) -> str | None:
    if severities and fixture.runtime == "ok" and not fixture.fact_checks:
        return "reports a finding but shows no misbehaviour (no crash, no `# fact:`)"
    return None


def offered_fix_problem(fixture: Fixture) -> str | None:
    """Every finding offers exactly the fix its line names, and findings without `# fix:` none."""
    found = findings(fixture.source, _codes_of(fixture), keras_version_of(fixture), str(fixture.path))
    for finding in found:
        titles = [fix.title for fix in finding.fixes]
        wanted = fixture.fixes.get(finding.span.line)
        if wanted is None and titles:
            return f"line {finding.span.line}: offers {titles} where the fixture expects no fix"
        if wanted is not None and wanted not in titles:
            return f"line {finding.span.line}: offers {titles}, not {wanted!r}"
    return None


# -- the quick-fixes ---------------------------------------------------------------------------
def fixed_source(fixture: Fixture) -> tuple[str | None, str | None]:
    """(the program after every `# fix:` of the fixture, problem) - fixes applied in line order,
    each found by its title after re-analysing the text the previous fix left (that the title is
    offered on its own line is `offered_fix_problem`'s check)."""
    key = (fixture.name, fixture.source)
    if key not in _fixed:
        _fixed[key] = _apply_fixes(fixture)
    return _fixed[key]


_fixed: dict[tuple[str, str], tuple[str | None, str | None]] = {}


def _apply_fixes(fixture: Fixture) -> tuple[str | None, str | None]:
    source = fixture.source
    codes, version = _codes_of(fixture), keras_version_of(fixture)
    try:
        for line in sorted(fixture.fixes):
            title = fixture.fixes[line]
            offered = [fix for f in findings(source, codes, version, str(fixture.path), fresh=True)
                       for fix in f.fixes]
            chosen = [fix for fix in offered if fix.title == title]
            if not chosen:
                titles = [fix.title for fix in offered]
                return None, f"line {line}: no fix titled {title!r} offered (offered: {titles})"
            source = apply_fix(source, chosen[0])
            ast.parse(source)
    except Exception as error:  # a failing analysis or fix is the fixture's problem to report
        return None, f"{type(error).__name__}: {error}"
    return source, None


# -- the framework -----------------------------------------------------------------------------
def outcome_of(fixture: Fixture, fixed: bool = False) -> RunOutcome | None:
    """How the fixture (or its fixed program) ran under the installed framework."""
    return installed_outcomes(fixture.framework).get(FIXED_PREFIX * fixed + fixture.name)


@functools.cache
def installed_outcomes(framework: str) -> dict[str, RunOutcome]:
    """Every fixture of `framework`, and the fixed programs of those that describe the installed
    Keras, run under the installed framework in one subprocess."""
    programs = []
    for fixture in all_fixtures():
        if fixture.framework != framework:
            continue
        programs.append(fixture.program())
        source, _ = fixed_source(fixture) if fixture.fixes and describes_installed(fixture) else (None, None)
        if source is not None:
            programs.append(Program(FIXED_PREFIX + fixture.name, source, fixture.framework,
                                    f"<fixed {fixture.name}>"))
    return run_programs(programs)


def verdict_problem(fixture: Fixture, outcome: RunOutcome | None) -> str | None:
    """None when the framework did what the fixture says: crash, or facts that hold."""
    if outcome is None:
        return "the fixture did not run"
    error = f"{outcome.error_type}: {outcome.error_message}"
    if fixture.runtime == "ok":
        if outcome.crashed:
            return f"expected a clean run, got {error}"
        failed = check_facts(fixture, outcome)
        if failed:
            return "facts do not hold: " + "; ".join(failed)
    elif not outcome.crashed:
        return "expected a crash or an observed misbehaviour, but run() finished cleanly"
    elif fixture.runtime_error and fixture.runtime_error not in (outcome.error_message or ""):
        return f"expected {fixture.runtime_error!r} in the error, got {error}"
    return None


def unaffected_problem(outcome: RunOutcome | None) -> str | None:
    """A fixture written for another Keras release must run cleanly under the installed one."""
    if outcome is None:
        return "the fixture did not run"
    if outcome.crashed:
        return f"crashed under the installed Keras: {outcome.error_type}: {outcome.error_message}"
    return None


def fixed_problem(fixture: Fixture, outcome: RunOutcome | None) -> str | None:
    """The fixed program runs, and the misbehaviour the fixture measured is gone."""
    if outcome is None:
        return f"the fixed program did not run: {fixed_source(fixture)[1]}"
    if outcome.crashed:
        return (f"still fails after the fix: {outcome.error_type}: {outcome.error_message}\n"
                f"--- fixed program ---\n{fixed_source(fixture)[0]}")
    still = [expression for expression in fixture.fact_checks
             if not check_facts(_with_facts(fixture, expression), outcome)]
    if still:
        return f"misbehaviour still measured after the fix: {still} (facts: {outcome.facts})"
    return None


def _with_facts(fixture: Fixture, expression: str) -> Fixture:
    return replace(fixture, fact_checks=(expression,))


# -- the checks every rule's fixtures get ------------------------------------------------------
class FixtureChecks:
    """Subclass as `TestGroundTruth` in a rule's test module and set `code`: each test runs once
    per fixture of that rule (`fixture`), or per fixture with a `# fix:` (`fixable`)."""

    code: ClassVar[str]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        fixtures = fixtures_for(self.code)
        fixable = [fixture for fixture in fixtures if fixture.fixes]
        choices = {
            "fixture": fixtures,
            "fixable": fixable,
            # A fixture written for another Keras release is fixed for that release only.
            "fixable_here": [fixture for fixture in fixable if describes_installed(fixture)],
        }
        for name, chosen in choices.items():
            if name in metafunc.fixturenames:
                metafunc.parametrize(name, chosen, ids=ids(chosen))

    def test_findings_match_expectations(self, fixture: Fixture) -> None:
        assert expectation_mismatch(fixture) is None, expectation_mismatch(fixture)

    def test_expected_severity_agrees_with_runtime_header(self, fixture: Fixture) -> None:
        assert header_problem(fixture) is None, f"{fixture.name}: {header_problem(fixture)}"

    def test_fix_offered_exactly_where_annotated(self, fixture: Fixture) -> None:
        assert offered_fix_problem(fixture) is None, offered_fix_problem(fixture)

    @pytest.mark.framework
    def test_framework_does_what_the_fixture_says(self, fixture: Fixture) -> None:
        outcome = outcome_of(fixture)
        if describes_installed(fixture):
            assert verdict_problem(fixture, outcome) is None, verdict_problem(fixture, outcome)
        else:  # written for another Keras release: the installed one runs it cleanly
            assert unaffected_problem(outcome) is None, unaffected_problem(outcome)


class QuickFixChecks(FixtureChecks):
    """`FixtureChecks`, and the fixed programs of a rule that offers a quick-fix."""

    def test_fixed_program_is_no_longer_reported(self, fixable: Fixture) -> None:
        source, problem = fixed_source(fixable)
        assert problem is None, problem
        remaining = findings(source, _codes_of(fixable), keras_version_of(fixable), fresh=True)
        assert not remaining, [f.message for f in remaining]

    @pytest.mark.framework
    def test_fixed_program_behaves_under_the_framework(self, fixable_here: Fixture) -> None:
        outcome = outcome_of(fixable_here, fixed=True)
        assert fixed_problem(fixable_here, outcome) is None, fixed_problem(fixable_here, outcome)
