"""The LL301 fix: wrapping a plain container of modules in nn.ModuleList/ModuleDict/Parameter*."""

import pytest

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix

HEADER = "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"


def _fix(body: str, attribute: str, wrapper: str, line: int = 7, header: str = HEADER) -> str:
    proposal = parse_fix_request("wrap-module-container", {
        "class_name": "Net", "attribute": attribute, "wrapper": wrapper, "definition_line": line}, "t")
    return apply_fix(header + body, proposal)[len(header):]


@pytest.mark.parametrize("value, wrapped", [
    ("[nn.Linear(2, 2) for _ in range(3)]", "nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])"),
    ("(nn.Linear(2, 2), nn.ReLU())", "nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])"),
    ("[]", "nn.ModuleList()"),
    ("list(layers)", "nn.ModuleList(layers)"),
    ("layers", "nn.ModuleList(layers)"),
    ("[  # keep this comment\n            nn.Linear(2, 2),\n        ]",
     "nn.ModuleList([  # keep this comment\n            nn.Linear(2, 2),\n        ])"),
])
def test_list_shapes(value, wrapped):
    body = f"        self.blocks = {value}\n        self.other = [1]\n"
    expected = f"        self.blocks = {wrapped}\n        self.other = [1]\n"
    assert _fix(body, "blocks", "ModuleList") == expected


def test_dicts_and_annotated_assignments():
    expected = "        self.heads = nn.ModuleDict()\n"
    assert _fix("        self.heads = {}\n", "heads", "ModuleDict") == expected
    assert _fix("        self.heads: dict = {'a': nn.Linear(1, 1)}\n", "heads", "ModuleDict") == (
        "        self.heads: dict = nn.ModuleDict({'a': nn.Linear(1, 1)})\n")


def test_picks_the_assignment_on_the_given_line():
    body = "        self.scales = []\n        self.scales = [nn.Parameter(torch.ones(1))]\n"
    assert _fix(body, "scales", "ParameterList", line=8) == (
        "        self.scales = []\n        self.scales = nn.ParameterList([nn.Parameter(torch.ones(1))])\n")


def test_adds_import_torch_when_no_import_reaches_torch_nn():
    header = HEADER.replace("import torch\nfrom torch import nn\n", "from torch.nn import Linear, Module\n")
    header = header.replace("nn.Module", "Module")
    proposal = parse_fix_request("wrap-module-container", {
        "class_name": "Net", "attribute": "blocks", "wrapper": "ModuleList", "definition_line": 6}, "t")
    source = header + "        self.blocks = [Linear(1, 1)]\n"
    fixed = apply_fix(source, proposal)
    assert fixed.startswith("from torch.nn import Linear, Module\nimport torch\n")
    assert fixed.endswith("        self.blocks = torch.nn.ModuleList([Linear(1, 1)])\n")


@pytest.mark.parametrize("data", [
    {"class_name": "Net", "attribute": "blocks", "wrapper": "ModuleList", "definition_line": 8},
    {"class_name": "Net", "attribute": "missing", "wrapper": "ModuleList", "definition_line": 7},
    {"class_name": "Net", "attribute": "blocks", "wrapper": "list", "definition_line": 7},
    {"class_name": "Net", "attribute": "blocks"},
])
def test_requests_that_do_not_fit_the_text_are_fix_errors(data):
    with pytest.raises(FixError):
        request = parse_fix_request("wrap-module-container", data, "t")
        apply_fix(HEADER + "        self.blocks = []\n", request)
