"""The LL302 fix: a plain tensor attribute becomes `self.register_buffer(...)`."""

import pytest

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix

SOURCE = (
    "import torch\n\n\n"
    "class Net(torch.nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.noise = torch.randn(3)  # keep\n"
    "        self.eye = torch.eye(3)\n"
)


def _fix(attribute: str, line: int, persistent: bool) -> str:
    return apply_fix(SOURCE, parse_fix_request("register-buffer", {
        "class_name": "Net", "attribute": attribute, "definition_line": line,
        "persistent": persistent}, "t"))


def test_random_values_stay_in_the_state_dict():
    assert _fix("noise", 7, True) == SOURCE.replace(
        "self.noise = torch.randn(3)  # keep", 'self.register_buffer("noise", torch.randn(3))  # keep')


def test_deterministic_values_are_not_persistent():
    assert _fix("eye", 8, False) == SOURCE.replace(
        "self.eye = torch.eye(3)", 'self.register_buffer("eye", torch.eye(3), persistent=False)')


def test_wrong_line_is_a_fix_error():
    with pytest.raises(FixError):
        _fix("eye", 7, False)
