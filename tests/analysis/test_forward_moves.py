"""Which plain tensor attributes a torch module's methods move before using them
(`analysis/forward_moves`)."""

from __future__ import annotations

import ast

import pytest

from layerlint.analysis.forward_moves import followed
from layerlint.analysis.imports import collect_imports
from layerlint.analysis.model_index import build_class_model
from layerlint.syntax.torch_moves import DEVICE, DTYPE

BOTH = {DEVICE, DTYPE}
MODULE = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pe = torch.randn(8, 4)

    def forward(self, x):
{body}
"""


def _followed(body: str, more_methods: str = "") -> frozenset[str]:
    text = MODULE.format(body="\n".join("        " + line for line in body.splitlines()))
    text += more_methods
    module = ast.parse("import torch\nfrom torch import nn\n" + text)
    node = module.body[-1]
    assert isinstance(node, ast.ClassDef)
    return followed(build_class_model(node, collect_imports(module.body), set(), None), "pe")


@pytest.mark.parametrize("body, expected", [
    ("return x + self.pe", set()),
    ("return x + self.pe.to(x.device)", {DEVICE}),
    ("return x + self.pe[: x.size(0)].to(x.device)", {DEVICE}),
    ("return x + self.pe[: x.size(0)].detach().to(x.device)", {DEVICE}),
    ("return x + self.pe[: x.size(0)].to(x)", BOTH),
    ("return x + self.pe.type_as(x)", BOTH),
    ("return x + self.pe.to(device=x.device, dtype=x.dtype)", BOTH),
    ("return x + self.pe.to(x.device, torch.float32)", {DEVICE}),  # a constant dtype
    ("return x + self.pe.float()", set()),
    ("self.pe = self.pe.to(x.device)\nreturn x + self.pe[: x.size(0)]", {DEVICE}),
    ("self.pe = self.pe.to(x.device).to(x.dtype)\nreturn x + self.pe", BOTH),
    ("if x.device != self.pe.device:\n    self.pe = self.pe.to(x.device)\nreturn x + self.pe",
     {DEVICE}),
    # rebound only when it grows: otherwise it stays where `__init__` made it
    ("if x.size(0) > self.pe.shape[0]:\n    self.pe = self.pe.to(x.device)\nreturn x + self.pe",
     set()),
    ("n = self.pe.shape[0]\nreturn x[:n] + self.pe[:n].to(x)", BOTH),  # a shape read meets no tensor
    ("return x + self.pe.to(x.device) + self.pe", set()),  # one read is not moved
])
def test_what_every_read_follows(body, expected):
    assert _followed(body) == expected


def test_a_rebinding_in_forward_covers_the_other_methods_reads():
    body = "self.pe = self.pe.to(x.device)\nreturn x + self.window(0, x.size(0))"
    helper = "\n    def window(self, start, size):\n        return self.pe[start:start + size]\n"
    assert _followed(body, helper) == {DEVICE}
    assert _followed("return x + self.window(0, x.size(0))", helper) == set()
