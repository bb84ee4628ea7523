"""Which plain tensor attributes a torch module's methods move before using them, and which they
only add to the activations (`analysis/forward_moves`)."""

from __future__ import annotations

import ast

import pytest

from layerlint.analysis.forward_moves import followed, only_added
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


def _model(body: str, more_methods: str = ""):
    text = MODULE.format(body="\n".join("        " + line for line in body.splitlines()))
    text += more_methods
    module = ast.parse("import torch\nfrom torch import nn\n" + text)
    node = module.body[-1]
    assert isinstance(node, ast.ClassDef)
    return build_class_model(node, collect_imports(module.body), set(), None)


def _followed(body: str, more_methods: str = "") -> frozenset[str]:
    return followed(_model(body, more_methods), "pe")


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


@pytest.mark.parametrize("body, expected", [
    ("return x + self.pe", True),
    ("return self.pe + x", True),
    ("return self.mix(x + self.pe[: x.size(0)])", True),
    ("x = x * 8 ** 0.5 + self.pe[:, : x.size(1)].to(x.device)\nreturn x", True),
    ("x += self.pe[: x.size(0)]\nreturn x", True),
    ("self.pe = self.pe.to(x.device)\nreturn x + self.pe", True),  # the rebinding passes it on
    ("n = self.pe.size(0)\nreturn x + self.pe[:n]", True),  # a shape read meets no tensor
    ("return x @ self.pe", False),  # a matmul: the dtypes must match
    ("return torch.matmul(x, self.pe)", False),
    ("return torch.cat([x, self.pe])", False),
    ("return x + self.pe * 2", True),  # scaled by a number: still float32 when it meets x
    ("return x + 0.5 * self.pe[: x.size(0)] / 2", True),
    ("return self.pe * 2", False),  # meets no activation
    ("return x + self.pe + self.other", True),
    ("return x + (self.other + self.pe)", False),  # two float32 attributes meet first
    ("return x", False),  # never read: nothing to say
])
def test_whether_it_is_only_added_to_the_activations(body, expected):
    assert only_added(_model(body), "pe") is expected
