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


Net().to("cuda")
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


EVIDENCE = MODULE.format(value="torch.zeros(3)", use="+ self.value").replace('Net().to("cuda")\n', "{tail}")


@pytest.mark.parametrize("tail, reported", [
    ("", False),  # nothing moves, casts or saves it: it runs correctly on the CPU in float32
    ("model = Net()\nout = model(torch.ones(3))\nprint(out.float())\n", False),  # the output is cast
    ("model = Net()\nmodel = nn.Linear(3, 3)\nmodel.cuda()\n", False),  # rebound before the move
    ("model = Net()\nmodel.cuda()\n", True),
    ("model = Net().half()\n", True),
    ("def train(model):\n    model.to(torch.float16)\n\ntrain(Net())\n", True),
    # Only added to the activations: a float64 sum (b_ll302_silent_table_added_in_float64.py);
    # a float16 one goes back to float32 (b_ll302_table_added_then_half.py).
    ("def train(model):\n    model.to(torch.float64)\n\ntrain(Net())\n", False),
    ("model = Net().float()\n", False),  # torch.zeros is float32 already
    ("model = Net().to(dtype)\n", True),  # the dtype is not written: it may be float16
    # A deterministic tensor (this one is zeros): the model rebuilt to load a checkpoint makes
    # it again, the same (b_ll302_silent_deterministic_table_saved.py runs it); a random one
    # comes back different (below).
    ("model = Net()\ntorch.save(model.state_dict(), 'net.pt')\n", False),
    ("model = Net()\ntorch.save(model, 'net.pt')\n", False),
    ("model = nn.DataParallel(Net())\n", True),
    ("class Outer(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.net = Net()\n\nOuter().to('cuda')\n", True),  # moved inside its parent
])
def test_reported_only_when_a_module_holding_it_is_moved_cast_or_saved(tail, reported):
    assert len(findings(EVIDENCE.format(tail=tail), CODES)) == int(reported)


RANDOM_EVIDENCE = MODULE.format(value="torch.randn(3)", use="+ self.value").replace(
    'Net().to("cuda")\n', "{tail}")


@pytest.mark.parametrize("tail, reported", [
    ("", False),
    ("model = Net()\ntorch.save(model.state_dict(), 'net.pt')\n", True),
    ("model = Net()\nmodel.load_state_dict(torch.load('net.pt'))\n", True),
    ("model = Net()\nmodel.cuda()\n", True),
    # the whole module pickled: plain attributes too (b_ll302_silent_random_table_pickled.py)
    ("model = Net()\ntorch.save(model, 'net.pt')\n", False),
    ("model = Net()\ntorch.save({'model': model, 'step': 3}, 'net.pt')\n", False),
])
def test_a_random_tensor_is_reported_when_saved_too(tail, reported):
    assert len(findings(RANDOM_EVIDENCE.format(tail=tail), CODES)) == int(reported)


def test_a_move_in_another_file_of_the_project_is_evidence(tmp_path):
    (tmp_path / "setup.py").write_text("")
    module = tmp_path / "nets.py"
    module.write_text(EVIDENCE.format(tail=""))
    (tmp_path / "train.py").write_text("import torch\nfrom nets import Net\n\nmodel = Net().to('cuda')\n")
    (found,) = findings(module.read_text(), CODES, path=str(module), fresh=True)
    assert "train.py line 4" in found.message


FOLLOWED = MODULE.replace("return x {use}", "{forward}").replace(
    'Net().to("cuda")\n', "{tail}")


@pytest.mark.parametrize("forward, tail, reported", [
    # the forward pass moves the tensor to its input's device itself
    # (b_ll302_silent_forward_moves_to_input_device.py): a device move breaks nothing
    ("return x + self.value.to(x.device)", 'Net().to("cuda")\n', False),
    ("self.value = self.value.to(x.device)\n        return x + self.value",
     'Net().to("cuda")\n', False),
    # ... but a cast does (b_ll302_forward_follows_device_not_dtype.py)
    ("return x @ self.value.to(x.device)", "Net().double()\n", True),
    ("return x @ self.value.to(x.device)", 'Net().to("cuda", torch.float64)\n', True),
    ("return x + self.value.to(x.device)", "Net().half()\n", True),
    ("return x @ self.value.to(x)", "Net().double()\n", False),  # follows both
    ("return x @ self.value.type_as(x)", 'Net().to("cuda", torch.float64)\n', False),
    ("return x @ self.value.float()", "Net().double()\n", True),  # a constant dtype
    ("return x + self.value", 'Net().to("cuda")\n', True),
])
def test_a_move_the_forward_pass_undoes_is_no_evidence(forward, tail, reported):
    text = FOLLOWED.format(value="torch.zeros(3)", forward=forward, tail=tail)
    assert len(findings(text, CODES)) == int(reported)


def test_the_message_names_only_what_still_breaks():
    text = FOLLOWED.format(value="torch.randn(3)", forward="return x @ self.value.to(x.device)",
                           tail='model = Net().double()\ntorch.save(model.state_dict(), "n.pt")\n')
    (found,) = findings(text, CODES)
    assert "model.to(dtype) leaves it behind" in found.message
    assert "on a GPU" not in found.message
    assert "draws new random values" in found.message
    assert "casts a module holding it" in found.message
    unmoved = FOLLOWED.format(value="torch.zeros(3)", forward="return x + self.value",
                              tail='Net().to("cuda")\n')
    (found,) = findings(unmoved, CODES)
    assert "model.to(device/dtype) leaves it behind (on a GPU" in found.message
    assert "moves a module holding it" in found.message


LOCAL = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
{init}

    def forward(self, x):
        return x + self.table


Net().to("cuda")
"""


@pytest.mark.parametrize("init, reported", [
    # built in a local first (b_ll302_table_built_in_a_local.py)
    ("table = torch.zeros(3)\ntable[0] = 1.0\nself.table = table", True),
    ("table = torch.zeros(3, 1)\nself.table = table.squeeze(1)[None]", True),
    ("self.table = torch.zeros(1, 3).transpose(0, 1)", True),
    ("table = torch.zeros(3)\ntable = compute(table)\nself.table = table", False),  # rebound
    ("table = torch.zeros(3)\nself.register_buffer('table', table)", False),
    ("table = torch.zeros(3)\nself.table = nn.Parameter(table)", False),
    ("table = torch.zeros(3)\nself.table = table.to('cuda')", False),  # placed by hand
])
def test_a_tensor_built_in_a_local_is_followed(init, reported):
    text = LOCAL.format(init="\n".join("        " + line for line in init.splitlines()))
    assert len(findings(text, CODES)) == int(reported)


CAST = FOLLOWED.format(value="{value}", forward="{forward}", tail="Net().{cast}\n")


@pytest.mark.parametrize("value, forward, cast, reported", [
    # only added to the activations: promoted to float64, back to float32 from float16
    ("torch.randn(3)", "return x + self.value", "double()", False),
    ("torch.randn(3) * 0.02", "x += self.value\n        return x", "double()", False),
    ("torch.randn(3)", "return x + self.value", "half()", True),
    ("torch.randn(3)", "return x + self.value", "bfloat16()", True),
    ("torch.randn(3)", "return x @ self.value", "double()", True),
    # the cast leaves it as it is: already float32, or an integer tensor (casts skip those)
    ("torch.randn(3)", "return x @ self.value", "float()", False),
    ("torch.zeros(3, dtype=torch.float64)", "return x @ self.value", "float()", True),
    ("torch.zeros(3, dtype=torch.long)", "return x[self.value]", "half()", False),
    ("torch.zeros(3, dtype=torch.long)", "return x[self.value]", "cuda()", True),
    ("torch.arange(3)", "return self.embed(self.value) + x", "half()", False),
    ("torch.arange(config.block_size)", "return self.embed(self.value) + x", "half()", False),
    ("torch.randperm(3)", "return x[self.value]", "double()", False),
    ("torch.arange(0.0, 3.0)", "return x @ self.value", "half()", True),  # float bounds
    ("torch.arange(3)", "return self.embed(self.value) + x", "cuda()", True),
    ("torch.from_numpy(table)", "return x @ self.value", "float()", True),  # its dtype unknown
])
def test_a_cast_breaks_what_it_leaves_in_another_dtype(value, forward, cast, reported):
    text = CAST.format(value=value, forward=forward, cast=cast)
    assert len(findings(text, CODES)) == int(reported)


def test_the_cast_failure_fits_how_the_tensor_is_read():
    added = CAST.format(value="torch.zeros(3)", forward="return x + self.value", cast="half()")
    (found,) = findings(added, CODES)
    assert "after .half() adding it makes the activations float32 again" in found.message
    multiplied = CAST.format(value="torch.zeros(3)", forward="return x @ self.value",
                             cast="half()")
    (found,) = findings(multiplied, CODES)
    assert "a matmul with it fails" in found.message
    indices = CAST.format(value="torch.zeros(3, dtype=torch.long)", forward="return x[self.value]",
                          cast="cuda()")
    (found,) = findings(indices, CODES)
    assert "model.to(device) leaves it behind" in found.message  # a cast leaves it as it should
