"""LL301 against its fixtures (tests/fixtures/custom/b_ll301_*.py), and its quick-fix under torch.

Measured in the fixtures (torch 2.13, CPU): modules in a plain list never train, modules in a
dict never reach the state_dict, `.to(float64)` leaves a list's modules behind (crash), `.eval()`
leaves a tuple's Dropout random, Parameters in a list are not parameters(); after the fix each of
those measurements comes out right.
"""

from __future__ import annotations

import pytest
from b_ground_truth import (
    expectation_mismatch,
    findings,
    fixed_problem,
    fixed_source,
    fixtures_for,
    ids,
    offered_fix_problem,
    outcome_of,
    verdict_problem,
)

from layerlint.fixes import apply_fix

FIXTURES = fixtures_for("LL301")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


def test_fixtures_cover_positives_negatives_and_fixes():
    positives = [fixture for fixture in FIXTURES if fixture.expectations]
    assert len(positives) >= 5 and len(FIXTURES) - len(positives) >= 3
    assert len(WITH_FIXES) < len(positives), "one positive shows a finding without a fix"


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_findings_match_expectations(fixture):
    assert expectation_mismatch(fixture) is None, expectation_mismatch(fixture)


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_fix_offered_exactly_where_annotated(fixture):
    assert offered_fix_problem(fixture) is None, offered_fix_problem(fixture)


@pytest.mark.parametrize("fixture", WITH_FIXES, ids=ids(WITH_FIXES))
def test_fixed_program_is_no_longer_reported(fixture):
    source, problem = fixed_source(fixture)
    assert problem is None, problem
    remaining = findings(source, fresh=True)
    assert not remaining, [f.message for f in remaining]


def test_fix_spells_the_wrapper_through_the_imports_or_adds_one():
    source = (
        "import torch.nn\n\n\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.heads = {}\n"
        "        self.heads['a'] = torch.nn.Linear(2, 2)\n"
    )
    (finding,) = findings(source)
    fixed = apply_fix(source, finding.fixes[0])
    assert "        self.heads = torch.nn.ModuleDict()\n" in fixed
    assert fixed.replace("torch.nn.ModuleDict()", "{}") == source


@pytest.mark.framework
@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_torch_does_what_the_fixture_says(fixture):
    outcome = outcome_of(fixture)
    assert verdict_problem(fixture, outcome) is None, verdict_problem(fixture, outcome)


@pytest.mark.framework
@pytest.mark.parametrize("fixture", WITH_FIXES, ids=ids(WITH_FIXES))
def test_fixed_program_behaves_under_torch(fixture):
    outcome = outcome_of(fixture, fixed=True)
    assert fixed_problem(fixture, outcome) is None, fixed_problem(fixture, outcome)
