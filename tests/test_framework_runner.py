"""The ground-truth harness, and the reuse fixtures' runtime headers checked under the framework.

The framework tests run every fixture (plus a few harness probes) in one TensorFlow and one torch
subprocess, then check what each fixture claims: `# runtime: crash|ok`, the error message, that
the crash surfaces on a line the fixture expects an error on, and its `# fact:` measurements.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from framework_runner import (
    Expectation,
    FixtureFormatError,
    Program,
    RunOutcome,
    check_facts,
    load_fixtures,
    parse_fixture,
    run_programs,
    run_sources,
)

REUSE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reuse"
FIXTURES = load_fixtures(REUSE_FIXTURES)
CRASHING = [fixture for fixture in FIXTURES if fixture.runtime == "crash"]
MEASURING = [fixture for fixture in FIXTURES if fixture.fact_checks]


def _ids(fixtures) -> list[str]:
    return [fixture.name for fixture in fixtures]


# --- Reading fixtures (no framework) ----------------------------------------------------------


def test_parse_fixture_reads_headers_expectations_and_fixes():
    source = textwrap.dedent('''\
        """Docstring mentioning # expect: LL999 error is not an annotation."""
        # runtime: crash
        # runtime-error: expected axis -1
        # framework: torch
        # after-fix: BatchNormalization=2, Dense=1
        # fact: gap > 0.5
        x = bn(a)
        y = bn(b)  # expect: LL101 error, LL104 hint  # fix: Split bn into bn_1/bn_2
        s = "# expect: LL102 error"
    ''')
    fixture = parse_fixture("sample", source)
    assert fixture.runtime == "crash"
    assert fixture.runtime_error == "expected axis -1"
    assert fixture.framework == "torch"
    assert fixture.after_fix == {"BatchNormalization": 2, "Dense": 1}
    assert fixture.fact_checks == ("gap > 0.5",)
    assert fixture.expectations == (
        Expectation(8, "LL101", "error"),
        Expectation(8, "LL104", "hint"),
    )
    assert fixture.fixes == {8: "Split bn into bn_1/bn_2"}


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("x = 1\n", "missing `# runtime:`"),
        ("# runtime: maybe\n", "crash or ok"),
        ("# runtime: ok\n# runtime: crash\n", "given 2 times"),
        ("# runtime: ok\nx = f()  # expect: LL101 fatal\n", "cannot read expectation"),
        ("# runtime: ok\n# expect: LL101 error\n", "must trail code"),
        ("# runtime: ok\nx = f()  # fix: Split f into f_1/f_2\n", "without `# expect:`"),
        ("# runtime: ok\n# framework: jax\n", "unknown framework"),
        ("# runtime: ok\n# after-fix: BatchNormalization\n", "Layer=N"),
    ],
)
def test_parse_fixture_rejects_malformed_annotations(source, complaint):
    with pytest.raises(FixtureFormatError, match=complaint):
        parse_fixture("bad", source)


def test_check_facts_reports_failed_and_missing_measurements():
    fixture = parse_fixture("m", "# runtime: ok\n# fact: gap > 1\n# fact: other < 2\n")
    outcome = RunOutcome(name="m", crashed=False, facts={"gap": 0.5})
    failed = check_facts(fixture, outcome)
    assert len(failed) == 2
    assert failed[0].startswith("gap > 1")
    assert "NameError" in failed[1]
    assert check_facts(fixture, RunOutcome("m", False, facts={"gap": 2.0, "other": 1.0})) == []


def test_reuse_fixtures_follow_the_naming_convention():
    assert len(FIXTURES) >= 35
    for fixture in FIXTURES:
        codes = {expectation.code for expectation in fixture.expectations}
        prefix = fixture.name.split("_", 1)[0]
        if prefix == "silent":
            assert not codes, f"{fixture.name} is named silent but expects {codes}"
        else:
            assert prefix.upper() in codes, f"{fixture.name} expects no {prefix.upper()}"
    silent = [fixture for fixture in FIXTURES if not fixture.expectations]
    crashing = [fixture for fixture in FIXTURES if fixture.runtime == "crash"]
    assert len(silent) > len(crashing), "the fixtures should hold more negatives than crashes"


# --- Under the framework ------------------------------------------------------------------------

_HARNESS_PROBES = [
    Program("probe:load-crash", "x = 1\nraise ValueError('at load')\n\ndef run():\n    pass\n"),
    Program("probe:no-run", "x = 1\n"),
    Program("probe:leaks-global", "LEAKED = 1\n\ndef run():\n    return {'one': 1}\n"),
    Program(
        "probe:isolated",
        textwrap.dedent('''\
            import keras

            def run():
                layer = keras.layers.Dense(2)
                return {"leaked": float("LEAKED" in globals()),
                        "fresh_name": float(layer.name == "dense")}
        '''),
    ),
    Program(
        "probe:counts",
        textwrap.dedent('''\
            import keras
            from keras import layers

            def run():
                model = keras.Sequential([layers.Dense(3), layers.BatchNormalization(),
                                          keras.Sequential([layers.BatchNormalization()])])
                model.build((None, 4))
                return {"model": model, "width": 3}
        '''),
    ),
    Program(
        "probe:torch-counts",
        "from torch import nn\n\ndef run():\n"
        "    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.BatchNorm2d(4))\n",
        framework="torch",
    ),
]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, RunOutcome]:
    """All reuse fixtures and the harness probes: one TensorFlow and one torch subprocess."""
    return run_programs([fixture.program() for fixture in FIXTURES] + _HARNESS_PROBES)


@pytest.mark.framework
@pytest.mark.parametrize("fixture", FIXTURES, ids=_ids(FIXTURES))
def test_fixture_runtime_matches_header(fixture, outcomes):
    outcome = outcomes[fixture.name]
    if fixture.runtime == "ok":
        assert not outcome.crashed, (
            f"{fixture.name} says `# runtime: ok` but raised {outcome.error_type} "
            f"while {outcome.phase}ing: {outcome.error_message}")
        return
    assert outcome.crashed, f"{fixture.name} says `# runtime: crash` but ran without error"
    assert outcome.phase in ("load", "run"), outcome.error_message
    if fixture.runtime_error:
        assert fixture.runtime_error in (outcome.error_message or ""), (
            f"{fixture.name}: {fixture.runtime_error!r} not in the message:\n"
            f"{outcome.error_type}: {outcome.error_message}")


@pytest.mark.framework
@pytest.mark.parametrize("fixture", CRASHING, ids=_ids(CRASHING))
def test_crash_surfaces_on_a_line_expected_to_be_an_error(fixture, outcomes):
    """The framework's traceback passes through a line the fixture marks as an error."""
    error_lines = {e.line for e in fixture.expectations if e.severity == "error"}
    traceback_lines = set(outcomes[fixture.name].traceback_lines)
    assert error_lines & traceback_lines, (
        f"{fixture.name}: the crash went through lines {sorted(traceback_lines)}, "
        f"the error expectations are on {sorted(error_lines)}")


@pytest.mark.framework
@pytest.mark.parametrize("fixture", MEASURING, ids=_ids(MEASURING))
def test_fixture_facts_hold(fixture, outcomes):
    outcome = outcomes[fixture.name]
    assert not outcome.crashed, outcome.error_message
    assert check_facts(fixture, outcome) == []


@pytest.mark.framework
def test_harness_reports_load_crash_with_its_line(outcomes):
    outcome = outcomes["probe:load-crash"]
    assert (outcome.crashed, outcome.phase, outcome.error_type) == (True, "load", "ValueError")
    assert outcome.error_message == "at load"
    assert outcome.traceback_lines == (2,)


@pytest.mark.framework
def test_harness_reports_a_program_without_run(outcomes):
    outcome = outcomes["probe:no-run"]
    assert outcome.crashed and outcome.phase == "run"
    assert "run()" in outcome.error_message


@pytest.mark.framework
def test_harness_isolates_programs(outcomes):
    assert outcomes["probe:leaks-global"].facts == {"one": 1.0}
    # The global of the previous program is gone, and Keras name counters start over.
    assert outcomes["probe:isolated"].facts == {"leaked": 0.0, "fresh_name": 1.0}


@pytest.mark.framework
def test_harness_counts_layers_recursively(outcomes):
    outcome = outcomes["probe:counts"]
    assert outcome.facts == {"width": 3.0}
    assert outcome.layer_counts["BatchNormalization"] == 2
    assert outcome.layer_counts["Sequential"] == 2
    assert outcome.layer_counts["Dense"] == 1
    assert outcomes["probe:torch-counts"].layer_counts == {
        "Sequential": 1, "Conv2d": 1, "BatchNorm2d": 2}


@pytest.mark.framework
def test_run_sources_survives_a_dying_worker():
    """A program that kills the interpreter costs only itself and the programs after it."""
    outcomes = run_sources(
        [("first", "def run():\n    return {'x': 1}\n"),
         ("dies", "import os\n\ndef run():\n    os._exit(3)\n"),
         ("after", "def run():\n    pass\n")],
        framework="torch",
    )
    assert outcomes["first"].facts == {"x": 1.0} and not outcomes["first"].crashed
    assert outcomes["dies"].error_type == "WorkerDied"
    assert outcomes["after"].error_type == "WorkerDied"
