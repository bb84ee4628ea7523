"""LL302 against its fixtures (tests/fixtures/custom/b_ll302_*.py), and its quick-fix under torch.

Measured in the fixtures (torch 2.13, CPU): a plain tensor attribute stays float32 through
`.to(torch.float64)` (the matmul with it crashes) and is missing from the state_dict (a restored
model draws new random values); registered as a buffer it is cast and saved.
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

FIXTURES = fixtures_for("LL302")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]

MODULE = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.value = {value}

    def forward(self, x):
        return x {use}
"""


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


@pytest.mark.parametrize("value, use, reported", [
    ("torch.zeros(3)", "+ self.value", True),
    ("torch.from_numpy(table)", "+ self.value", True),
    ("torch.tensor([1.0, 2.0])", "* self.value", True),
    ("torch.tensor(2.0)", "* self.value", False),  # 0-d scalar: mixes with any device/dtype
    ("nn.Parameter(torch.zeros(3))", "+ self.value", False),
    ("torch.zeros(3)", "+ 1", False),  # never read after __init__
    ("torch.device('cpu')", "+ 1", False),
])
def test_which_tensor_attributes_are_reported(value, use, reported):
    assert len(findings(MODULE.format(value=value, use=use))) == int(reported)


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
