"""Ground truth for LL205-LL207, LL301 and LL302, shared by their test files.

The fixtures are `tests/fixtures/custom/b_ll<code>_*.py` in the format of
tests/fixtures/reuse/README.md, plus one header of ours, `# keras-version: 3.9.2`: the Keras
release whose behaviour the fixture's `# runtime:` line and `# expect:` annotations describe
(default: the installed Keras). The analysis is run with that version in its settings; under
the installed Keras such a fixture must run cleanly instead (tests/versions/ runs it under the
release it names).

Verdicts under the framework:
- a fixture with expectations shows the misbehaviour: it crashes (`# runtime: crash`, with the
  `# runtime-error:` text) or its `# fact:` checks hold (weights that never train, weights that
  do not load);
- a silent fixture runs cleanly and its facts hold;
- after the fixture's quick-fixes (every `# fix:` title, applied one after the other), the
  program runs without crashing and none of the misbehaviour facts holds any more.

Importing TensorFlow or torch costs seconds, so `installed_outcomes(framework)` runs every
fixture and fixed program of that framework in one subprocess, once per pytest session.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from framework_runner import (
    Fixture,
    Program,
    RunOutcome,
    check_facts,
    load_fixture,
    run_programs,
)

from layerlint.analysis import analyse, engine, environment
from layerlint.config import Settings
from layerlint.findings import Finding
from layerlint.fixes import apply_fix

CODES = ("LL205", "LL206", "LL207", "LL301", "LL302")
FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "custom"
FIXED_PREFIX = "fixed "
_KERAS_VERSION = re.compile(r"^#\s*keras-version:\s*(\S+)\s*$", re.MULTILINE)


def fixtures_for(code: str) -> list[Fixture]:
    return [load_fixture(path) for path in sorted(FIXTURE_DIR.glob(f"b_{code.lower()}_*.py"))]


def all_fixtures() -> list[Fixture]:
    return [fixture for code in CODES for fixture in fixtures_for(code)]


def ids(fixtures: list[Fixture]) -> list[str]:
    return [fixture.name for fixture in fixtures]


def keras_version_of(fixture: Fixture) -> str | None:
    """The Keras release the fixture's annotations describe (None: the installed one)."""
    match = _KERAS_VERSION.search(fixture.source)
    return match.group(1) if match else None


def describes_installed(fixture: Fixture) -> bool:
    version = keras_version_of(fixture)
    return version is None or version == environment.keras_version()


def findings(
    source: str, keras_version: str | None = None, path: str = "<fixture>", fresh: bool = False
) -> list[Finding]:
    """Findings of our codes. `fresh` empties the engine's block caches first: it keys a function
    block's findings on that block's text only, not on the classes of other blocks it uses, so
    after a fix that edits only a class the old findings of the function would come back."""
    if fresh:
        engine._block_cache.clear()
        engine._module_cache.clear()
    settings = Settings(keras_version=keras_version)
    return [f for f in analyse(source, path=path, settings=settings).findings if f.code in CODES]


def expectation_mismatch(fixture: Fixture, keras_version: str | None = None) -> str | None:
    """None when the analysis reports exactly the fixture's `# expect:` set, else a readable diff."""
    version = keras_version or keras_version_of(fixture)
    found = findings(fixture.source, version, str(fixture.path))
    expected = Counter((e.line, e.code, e.severity) for e in fixture.expectations)
    actual = Counter((f.span.line, f.code, f.severity.value) for f in found)
    if expected == actual:
        return None
    lines = fixture.source.splitlines()
    messages = {(f.span.line, f.code, f.severity.value): f.message for f in found}
    report = [f"{fixture.path} (Keras {version or 'installed'}):"]
    for label, keys in (("missing", expected - actual), ("unexpected", actual - expected)):
        for line, code, severity in sorted(keys.elements()):
            text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
            report.append(f"  {label:10} line {line}: {code} {severity}   | {text}")
            if label == "unexpected":
                report.append(f"  {'':10} message: {messages[(line, code, severity)]}")
    return "\n".join(report)


def offered_fix_problem(fixture: Fixture) -> str | None:
    """Every finding offers exactly the fix its line names, and findings without `# fix:` none."""
    found = findings(fixture.source, keras_version_of(fixture), str(fixture.path))
    for finding in found:
        titles = [fix.title for fix in finding.fixes]
        wanted = fixture.fixes.get(finding.span.line)
        if wanted is None and titles:
            return f"line {finding.span.line}: offers {titles} where the fixture expects no fix"
        if wanted is not None and wanted not in titles:
            return f"line {finding.span.line}: offers {titles}, not {wanted!r}"
    return None


def fixed_source(fixture: Fixture) -> tuple[str | None, str | None]:
    """(the program after every `# fix:` of the fixture, problem) - fixes applied in line order,
    each found by its title after re-analysing the text the previous fix left."""
    key = (fixture.name, fixture.source)
    if key not in _fixed:
        _fixed[key] = _apply_fixes(fixture)
    return _fixed[key]


_fixed: dict[tuple[str, str], tuple[str | None, str | None]] = {}


def _apply_fixes(fixture: Fixture) -> tuple[str | None, str | None]:
    source = fixture.source
    version = keras_version_of(fixture)
    try:
        for line in sorted(fixture.fixes):
            title = fixture.fixes[line]
            chosen = [fix for f in findings(source, version, fresh=True) for fix in f.fixes
                      if fix.title == title]
            if not chosen:
                return None, f"no fix titled {title!r} offered"
            source = apply_fix(source, chosen[0])
            ast.parse(source)
    except Exception as error:  # a failing analysis or fix is the fixture's problem to report
        return None, f"{type(error).__name__}: {error}"
    return source, None


def outcome_of(fixture: Fixture, fixed: bool = False) -> RunOutcome | None:
    """How the fixture (or its fixed program) ran under the installed framework."""
    return installed_outcomes(fixture.framework).get(FIXED_PREFIX * fixed + fixture.name)


@functools.cache
def installed_outcomes(framework: str) -> dict[str, RunOutcome]:
    """Every b_ fixture of `framework`, and the fixed programs of those that describe the
    installed Keras, run under the installed framework in one subprocess."""
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
        return "expected a crash, but run() finished cleanly"
    elif fixture.runtime_error and fixture.runtime_error not in (outcome.error_message or ""):
        return f"expected {fixture.runtime_error!r} in the error, got {error}"
    if fixture.expectations and fixture.runtime == "ok" and not fixture.fact_checks:
        return "reports a finding but shows no misbehaviour (no crash, no `# fact:`)"
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
        return "the fixed program did not run"
    if outcome.crashed:
        return f"still fails after the fix: {outcome.error_type}: {outcome.error_message}"
    still = [expression for expression in fixture.fact_checks
             if not check_facts(_with_facts(fixture, expression), outcome)]
    if still:
        return f"misbehaviour still measured after the fix: {still} (facts: {outcome.facts})"
    return None


def _with_facts(fixture: Fixture, expression: str) -> Fixture:
    return replace(fixture, fact_checks=(expression,))
