"""What a torch move call changes, read from the call as written (`syntax/torch_moves`)."""

from __future__ import annotations

import ast

import pytest

from layerlint.syntax.torch_moves import DEVICE, DTYPE, cast_dtype, changes, fixed_dtype

BOTH = {DEVICE, DTYPE}


def _call(text: str) -> ast.Call:
    node = ast.parse(text, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


@pytest.mark.parametrize("text, expected", [
    ("m.to('cuda')", {DEVICE}),
    ("m.to(0)", {DEVICE}),
    ("m.to(device)", {DEVICE}),
    ("m.to(args.device)", {DEVICE}),
    ("m.to(x.get_device())", {DEVICE}),
    ("m.to(torch.device('cuda', 1))", {DEVICE}),
    ("m.to(dev)", {DEVICE}),
    ("m.cuda()", {DEVICE}),
    ("m.to(torch.float64)", {DTYPE}),
    ("m.to(x.dtype)", {DTYPE}),
    ("m.to(compute_dtype)", {DTYPE}),
    ("m.double()", {DTYPE}),
    ("m.half()", {DTYPE}),
    ("m.type(torch.DoubleTensor)", {DTYPE}),
    ("m.type(torch.cuda.FloatTensor)", BOTH),
    ("m.type('torch.cuda.HalfTensor')", BOTH),
    ("m.to(device, torch.float64)", BOTH),
    ("m.to(device=device, dtype=dtype)", BOTH),
    ("m.to(x)", BOTH),  # another tensor: its device and dtype
    ("m.type_as(x)", BOTH),
    ("m.to(**options)", BOTH),
    ("m.to()", set()),
])
def test_what_a_move_changes(text, expected):
    assert changes(_call(text)) == expected


@pytest.mark.parametrize("text, fixed", [
    ("t.float()", True),
    ("t.to(torch.float32)", True),
    ("t.to(device, dtype=torch.half)", True),
    ("t.to(x.dtype)", False),
    ("t.to(x)", False),
    ("t.type_as(x)", False),
    ("t.to(x.device)", False),
])
def test_a_constant_dtype_is_fixed(text, fixed):
    assert fixed_dtype(_call(text)) is fixed


@pytest.mark.parametrize("text, expected", [
    ("m.double()", "float64"),
    ("m.to(torch.float64)", "float64"),
    ("m.to(device, torch.double)", "float64"),
    ("m.to(dtype=torch.double)", "float64"),
    ("m.half()", "float16"),
    ("m.to(th.half)", "float16"),
    ("m.bfloat16()", "bfloat16"),
    ("m.float()", "float32"),
    ("m.to(torch.float)", "float32"),
    ("m.type(torch.cuda.DoubleTensor)", "float64"),
    ("m.type('torch.HalfTensor')", "float16"),
    ("m.to(x.dtype)", ""),  # not written in the call
    ("m.to(dtype)", ""),
    ("m.to(x)", ""),
    ("m.cuda()", ""),
])
def test_the_dtype_a_cast_names(text, expected):
    assert cast_dtype(_call(text)) == expected
