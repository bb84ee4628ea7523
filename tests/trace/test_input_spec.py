"""The written forms of a trace's inputs (CLI flag, LSP argument, editor prompt, comment)."""

from __future__ import annotations

import pytest

from layerlint.trace.input_spec import InputSpec, TensorSpec, parse_input_spec


@pytest.mark.parametrize(("text", "expected"), [
    ("1,32,32,3", InputSpec((TensorSpec((1, 32, 32, 3)),))),
    ("(1, 10):int32", InputSpec((TensorSpec((1, 10), "int32"),))),
    ([1, 8], InputSpec((TensorSpec((1, 8)),))),
    ('{"shape": [1, 10], "dtype": "int64"}', InputSpec((TensorSpec((1, 10), "int64"),))),
    ("[[1, 32, 32, 3], [1, 10]]",
     InputSpec((TensorSpec((1, 32, 32, 3)), TensorSpec((1, 10))), "several")),
    (["1,32,32,3", "1,10:int32"],
     InputSpec((TensorSpec((1, 32, 32, 3)), TensorSpec((1, 10), "int32")), "several")),
    ("1,32,32,3; 1,10:int32",
     InputSpec((TensorSpec((1, 32, 32, 3)), TensorSpec((1, 10), "int32")), "several")),
    (["image=1,8,8,3", "tokens=1,4:int32"],
     InputSpec((TensorSpec((1, 8, 8, 3), None, "image"), TensorSpec((1, 4), "int32", "tokens")),
               "dict")),
    ({"image": [1, 8, 8, 3], "tokens": {"shape": [1, 4], "dtype": "int32"}},
     InputSpec((TensorSpec((1, 8, 8, 3), None, "image"), TensorSpec((1, 4), "int32", "tokens")),
               "dict")),
])
def test_written_forms(text, expected):
    assert parse_input_spec(text) == expected
    assert InputSpec.from_json(expected.to_json()) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("1,x,3", "whole numbers"),
    ("1,0,3", "every dimension"),
    ("1,10:int33", "unknown dtype"),
    (["a=1,2", "1,2"], "name every input"),
    ("[[1, 2], ", "bad input shape JSON"),
])
def test_bad_forms_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_input_spec(text)
