"""LL301 against its fixtures (tests/fixtures/custom/b_ll301_*.py), and its quick-fix under torch.

Measured in the fixtures (torch 2.13, CPU): modules in a plain list never train, modules in a
dict never reach the state_dict, `.to(float64)` leaves a list's modules behind (crash), `.eval()`
leaves a tuple's Dropout random, Parameters in a list are not parameters(); after the fix each of
those measurements comes out right.
"""

from __future__ import annotations

from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.fixes import apply_fix

CODES = codes_checked_with("LL301")
FIXTURES = fixtures_for("LL301")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


class TestGroundTruth(QuickFixChecks):
    code = "LL301"


def test_fixtures_cover_positives_negatives_and_fixes():
    positives = [fixture for fixture in FIXTURES if fixture.expectations]
    assert len(positives) >= 5 and len(FIXTURES) - len(positives) >= 3
    assert len(WITH_FIXES) < len(positives), "one positive shows a finding without a fix"


def test_fix_spells_the_wrapper_through_the_imports_or_adds_one():
    source = (
        "import torch.nn\n\n\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.heads = {}\n"
        "        self.heads['a'] = torch.nn.Linear(2, 2)\n"
    )
    (finding,) = findings(source, CODES)
    fixed = apply_fix(source, finding.fixes[0])
    assert "        self.heads = torch.nn.ModuleDict()\n" in fixed
    assert fixed.replace("torch.nn.ModuleDict()", "{}") == source
