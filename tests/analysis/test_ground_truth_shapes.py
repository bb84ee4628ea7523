"""Static shapes (analysis/shapes/infer.py) and LL105 against the fixtures in
tests/fixtures/shapes, run under the real framework.

- The errors LL101/LL102/LL105 report are exactly the `# expect:` set, and exactly the fixtures
  that crash at runtime have one.
- A quick-fix named by `# fix:` is offered, and the fixed program runs under the framework.
- Wherever the static shape of a layer call is known, it equals the shape recorded at runtime
  at that place (`tests/shape_recorder.py`), the batch dimension aside when it is symbolic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from framework_runner import load_fixtures, mismatch_report, run_sources

from layerlint.analysis import analyse
from layerlint.analysis.shapes.domain import Symbol
from layerlint.analysis.shapes.infer import infer_source
from layerlint.config import Settings
from layerlint.fixes import apply_fix

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = load_fixtures(ROOT / "fixtures" / "shapes")
ERROR_CODES = ("LL101", "LL102", "LL105")


def _ids(fixtures):
    return [fixture.name for fixture in fixtures]


@pytest.fixture(scope="module")
def runtime_shapes(tmp_path_factory):
    results: dict[str, dict] = {}
    for framework in ("tensorflow", "torch"):
        files = [str(f.path) for f in FIXTURES if (f.framework == "torch") == (framework == "torch")]
        if not files:
            continue
        out = tmp_path_factory.mktemp("shapes") / f"{framework}.json"
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
                       "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([sys.executable, str(ROOT / "shape_recorder.py"), framework, str(out),
                        *files], check=True, env=environment, timeout=600)
        results.update(json.loads(out.read_text()))
    return results


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_errors_match_expectations(fixture):
    findings = [
        finding for finding in analyse(fixture.source, path=str(fixture.path),
                                       settings=Settings()).findings
        if finding.code in ERROR_CODES and finding.severity.value == "error"
    ]
    problem = mismatch_report(fixture, findings, f"{fixture.path}:")
    assert problem is None, problem


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_errors_are_exactly_the_crashes(fixture, runtime_shapes):
    outcome = runtime_shapes[str(fixture.path)]
    crashed = outcome["error"] is not None
    assert crashed == (fixture.runtime == "crash"), outcome["error"]
    if crashed and fixture.runtime_error:
        assert fixture.runtime_error in outcome["error"]
    assert bool(fixture.expectations) == crashed


def _matches(static_dims, runtime_dims) -> bool:
    if len(static_dims) != len(runtime_dims):
        return False
    return all(
        isinstance(s, Symbol) or s is None or s == r for s, r in zip(static_dims, runtime_dims)
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_static_shapes_equal_runtime_shapes(fixture, runtime_shapes):
    recorded: dict[tuple[int, int], list] = {}
    for line, column, dims in runtime_shapes[str(fixture.path)]["records"]:
        recorded.setdefault((line, column), []).append(dims)
    known = [call for call in infer_source(fixture.source).calls
             if call.known and not isinstance(call.output, tuple)]
    for call in known:
        runtime = recorded.get((call.line, call.column))
        if not runtime and fixture.runtime == "crash":
            continue  # at or after the crash: the framework never got there
        assert runtime, f"{fixture.name}:{call.line}: {call.layer} never ran"
        assert all(_matches(call.output.dims, dims) for dims in runtime), (
            f"{fixture.name}:{call.line}: static {call.output_text}, runtime {runtime}")
    if fixture.runtime == "ok":
        assert known, f"{fixture.name}: no static shape known"


def test_share_of_known_shapes_on_the_fixtures():
    """The README's figure: layer calls with a statically known output shape."""
    sites = known = 0
    for fixture in FIXTURES:
        shapes = infer_source(fixture.source)
        sites += shapes.sites
        known += sum(1 for call in shapes.calls if call.known) + len(shapes.errors)
    assert sites >= 20 and known / sites >= 0.5, (known, sites)


WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


def test_quick_fixes_give_programs_that_run():
    fixed = {}
    for fixture in WITH_FIXES:
        findings = analyse(fixture.source, path=str(fixture.path), settings=Settings()).findings
        for line, title in fixture.fixes.items():
            proposal = next(fix for finding in findings if finding.span.line == line
                            for fix in finding.fixes if fix.title == title)
            fixed[fixture.name] = apply_fix(fixture.source, proposal)
            assert not [f for f in analyse(fixed[fixture.name]).findings if f.code == "LL105"]
    assert fixed, "no fixture names a quick-fix"
    outcomes = run_sources(fixed.items())
    crashed = {name: outcome.error_message for name, outcome in outcomes.items() if outcome.crashed}
    assert not crashed
