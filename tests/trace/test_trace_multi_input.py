"""Models with several inputs, traced end to end: a functional Keras model with two `Input`s
(its dtypes read from `keras.Input(dtype=...)`), a subclassed model taking a dict (the shapes
from a JSON comment), a torch module with two `forward` arguments (from the file's concrete
call), and the same given on the command line. Each layer's line gets its own shapes."""

from __future__ import annotations

import pytest
from trace_test_support import MODELS, marked_line

from layerlint.trace.input_spec import parse_input_spec
from layerlint.trace.runner import TraceRequest, run_trace

pytestmark = pytest.mark.framework


def by_line(result, path):
    return {call.site.line: call for call in result.calls
            if call.site is not None and call.site.path == str(path)}


def shapes(call):
    return [list(item.shape) for item in call.inputs], [list(item.shape) for item in call.outputs]


def test_functional_model_with_two_inputs(kernel):
    path = MODELS / "two_inputs_functional.py"
    result = run_trace(TraceRequest(path=str(path), target="model"), kernel=kernel)

    assert result.status == "ok", result.error
    assert [(item.shape, item.dtype) for item in result.inputs] == [
        ((1, 5), "int32"), ((1, 8), "float32")]  # the order of Model(inputs=[tokens, features])
    lines = by_line(result, path)
    assert shapes(lines[marked_line(path, "embedding")]) == ([[1, 5]], [[1, 5, 4]])
    assert lines[marked_line(path, "embedding")].inputs[0].dtype == "int32"
    assert shapes(lines[marked_line(path, "concat")]) == ([[1, 20], [1, 8]], [[1, 28]])
    assert shapes(lines[marked_line(path, "dense")]) == ([[1, 28]], [[1, 3]])


def test_subclassed_model_with_a_dict_input(kernel):
    path = MODELS / "dict_input.py"
    result = run_trace(TraceRequest(path=str(path)), kernel=kernel)

    assert result.status == "ok", result.error
    assert [(item.name, item.shape, item.dtype) for item in result.inputs] == [
        ("image", (1, 16, 16, 3), "float32"), ("tokens", (1, 6), "int32")]
    assert result.input_shape_source.startswith("comment")
    calls = [call for call in result.calls if call.parent is not None]
    image_line, text_line = marked_line(path, "image"), marked_line(path, "text")
    assert [(call.class_name, call.site.line, *shapes(call)) for call in calls[:4]] == [
        ("Conv2D", image_line, [[1, 16, 16, 3]], [[1, 14, 14, 4]]),
        ("GlobalAveragePooling2D", image_line, [[1, 14, 14, 4]], [[1, 4]]),
        ("Embedding", text_line, [[1, 6]], [[1, 6, 4]]),
        ("GlobalAveragePooling1D", text_line, [[1, 6, 4]], [[1, 4]]),
    ]
    assert shapes(calls[4]) == ([[1, 8]], [[1, 2]])


def test_torch_module_with_two_forward_arguments(kernel):
    path = MODELS / "torch_two_args.py"
    result = run_trace(TraceRequest(path=str(path), target="MaskedEncoder"), kernel=kernel)

    assert result.status == "ok", result.error
    assert [(item.shape, item.dtype) for item in result.inputs] == [
        ((2, 7), "int64"), ((2, 7), "float32")]
    root = result.calls[0]
    assert shapes(root)[0] == [[2, 7], [2, 7]]  # both arguments reached forward()
    lines = by_line(result, path)
    assert shapes(lines[marked_line(path, "embed")]) == ([[2, 7]], [[2, 7, 8]])
    assert shapes(lines[marked_line(path, "proj")]) == ([[2, 7, 8]], [[2, 7, 4]])


def test_inputs_given_on_the_command_line_override_the_file(kernel):
    path = MODELS / "torch_two_args.py"
    spec = parse_input_spec(["3,4", "3,4"])  # no dtype: the first feeds an embedding: ids
    result = run_trace(TraceRequest(path=str(path), target="MaskedEncoder", input_shape=spec),
                       kernel=kernel)

    assert result.status == "ok", result.error
    assert result.input_shape_source == "command"
    assert [(item.shape, item.dtype) for item in result.inputs] == [
        ((3, 4), "int64"), ((3, 4), "float32")]
    assert shapes(by_line(result, path)[marked_line(path, "embed")]) == ([[3, 4]], [[3, 4, 8]])
