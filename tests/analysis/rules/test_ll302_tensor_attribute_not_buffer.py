"""LL302 against its fixtures (tests/fixtures/custom/b_ll302_*.py), and its quick-fix under torch.

Measured in the fixtures (torch 2.13, CPU): a plain tensor attribute stays float32 through
`.to(torch.float64)` (the matmul with it crashes) and is missing from the state_dict (a restored
model draws new random values); registered as a buffer it is cast and saved.
"""

from __future__ import annotations

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings

CODES = codes_checked_with("LL302")


class TestGroundTruth(QuickFixChecks):
    code = "LL302"


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
    assert len(findings(MODULE.format(value=value, use=use), CODES)) == int(reported)
