"""The shape trace end to end in a real kernel: the bundled example's crash mapped to its line,
the fixed model, nested custom layers, the functional API, torch, tf-keras, import errors,
and an unsaved buffer. Shapes are checked against the same model run without the probe."""

from __future__ import annotations

from pathlib import Path

import pytest
from trace_test_support import EXAMPLE, MODELS, lines_containing, marked_line

from layerlint.trace.results import LayerCall, TraceResult
from layerlint.trace.runner import TraceRequest, run_trace

pytestmark = pytest.mark.framework


def trace(kernel, path: Path, **fields) -> TraceResult:
    return run_trace(TraceRequest(path=str(path), **fields), kernel=kernel)


def layer_calls(result: TraceResult) -> list[LayerCall]:
    """The calls below the traced model itself."""
    return [call for call in result.calls if call.parent is not None]


def shapes(call: LayerCall) -> tuple[list, list]:
    return ([list(item.shape) for item in call.inputs], [list(item.shape) for item in call.outputs])


def test_example_crash_is_mapped_to_the_second_bn_line(kernel):
    result = trace(kernel, EXAMPLE)

    second_bn_line = lines_containing(EXAMPLE, "self.bn(")[1]
    assert second_bn_line == 21
    assert result.status == "error"
    assert result.error is not None and result.error.kind == "forward"
    assert result.error.site is not None
    assert (result.error.site.path, result.error.site.line) == (str(EXAMPLE), second_bn_line)
    assert "expected axis -1 of input shape to have value 6" in result.error.message
    assert not result.error.message.startswith("Exception encountered")  # Keras' wrapper is gone
    failed = [call for call in result.calls if call.failed and call.parent is not None]
    assert [call.class_name for call in failed] == ["BatchNormalization"]
    assert failed[0].site.line == second_bn_line
    assert result.error.layer == failed[0].name
    first_bn = next(call for call in result.calls if call.class_name == "BatchNormalization")
    assert first_bn.site.line == lines_containing(EXAMPLE, "self.bn(")[0] and not first_bn.failed
    assert result.input_shape == (1, 32, 32, 3)  # from the concrete call under __main__
    assert result.device == "CPU:0" and result.framework == "keras"


def test_fixed_example_shapes_equal_a_direct_run(kernel, run_direct):
    path = MODELS / "feature_extractor_fixed.py"
    result = trace(kernel, path, target="FeatureExtractor")
    direct = run_direct(
        "import numpy as np\n"
        "model = m.FeatureExtractor()\n"
        "x = np.zeros((1, 32, 32, 3), 'float32')\n"
        "result = []\n"
        "for layer in (model.conv_1, model.bn_1, model.maxpool,"
        " model.conv_2, model.bn_2, model.maxpool):\n"
        "    y = layer(x)\n"
        "    result.append([type(layer).__name__, [list(x.shape)], [list(y.shape)]])\n"
        "    x = y\n",
        path,
    )

    assert result.status == "ok", result.error
    calls = layer_calls(result)
    assert [[call.class_name, *shapes(call)] for call in calls] == direct
    assert [call.site.line for call in calls] == (
        [lines_containing(path, "self.bn_1(")[0]] * 3 + [lines_containing(path, "self.bn_2(")[0]] * 3
    )
    root = result.calls[0]
    assert root.parent is None and shapes(root)[1] == direct[-1][2]
    assert all(call.params is not None for call in calls)
    assert root.params == sum(call.params for call in calls if call.name != "max_pooling2d")


def test_nested_custom_layers_get_their_own_lines(kernel, run_direct):
    path = MODELS / "nested_blocks.py"
    result = trace(kernel, path)
    direct = run_direct(
        "import numpy as np\n"
        "net = m.Net()\n"
        "x = np.zeros((2, 16, 16, 8), 'float32')\n"
        "a = net.stem(x); b = net.res(a); c = net.head(b)\n"
        "result = [list(a.shape), list(b.shape), list(c.shape)]\n",
        path,
    )

    assert result.status == "ok", result.error
    assert result.target == "Net" and result.input_shape == (2, 16, 16, 8)
    assert "comment" in result.input_shape_source
    by_index = {call.index: call for call in result.calls}
    top = [call for call in result.calls if call.depth == 1]
    assert [call.site.line for call in top] == [
        marked_line(path, "net-stem"), marked_line(path, "net-res"), marked_line(path, "net-head")]
    assert [shapes(call)[1][0] for call in top] == direct
    block_body = marked_line(path, "block-body")
    convs = [call for call in result.calls if call.class_name == "Conv2D"]
    assert [call.site.line for call in convs] == [block_body, block_body]
    assert [call.depth for call in convs] == [2, 3]  # Net > ConvBlock > Conv2D; Net > Residual > ..
    inner_block = by_index[convs[1].parent]
    assert inner_block.class_name == "ConvBlock"
    assert inner_block.site.line == marked_line(path, "residual-body")
    assert by_index[inner_block.parent].class_name == "Residual"
    head_children = [call for call in result.calls if call.parent == top[2].index]
    assert [(call.site.line, call.site.kind) for call in head_children] == [
        (marked_line(path, "head-pool"), "definition"),
        (marked_line(path, "head-dense"), "definition")]


def test_functional_model_layers_get_their_functional_call_lines(kernel, run_direct):
    path = MODELS / "functional.py"
    result = trace(kernel, path)
    direct = run_direct(
        "import numpy as np\n"
        "x = np.zeros((1, 28, 28, 1), 'float32')\n"
        "result = []\n"
        "for layer in m.model.layers[1:]:\n"
        "    y = layer(x)\n"
        "    result.append([list(x.shape), list(y.shape)])\n"
        "    x = y\n",
        path,
    )

    assert result.status == "ok", result.error
    assert result.target == "model" and result.input_shape == (1, 28, 28, 1)
    calls = layer_calls(result)
    assert [[shapes(call)[0][0], shapes(call)[1][0]] for call in calls] == direct
    assert [(call.site.line, call.site.kind) for call in calls] == [
        (marked_line(path, "conv"), "symbolic"), (marked_line(path, "flatten"), "symbolic"),
        (marked_line(path, "dense"), "symbolic")]


def test_torch_module_is_traced_with_forward_hooks(kernel, run_direct):
    path = MODELS / "torch_net.py"
    result = trace(kernel, path)
    direct = run_direct(
        "import torch\n"
        "net = m.Net().eval()\n"
        "with torch.no_grad():\n"
        "    x = torch.zeros(1, 3, 32, 32)\n"
        "    a = net.features[0](x); b = net.features[1](a); c = net.block.conv(b)\n"
        "    d = net.block.norm(c); e = net.classifier(torch.flatten(d, 1))\n"
        "result = [list(t.shape) for t in (a, b, c, d, e)]\n",
        path,
    )

    assert result.status == "ok", result.error
    assert result.framework == "torch" and result.device == "cpu"
    assert result.input_shape == (1, 3, 32, 32)  # from `Net()(torch.zeros(1, 3, 32, 32))`
    named = {call.name: call for call in result.calls}
    leaves = ["features.0", "features.1", "block.conv", "block.norm", "classifier"]
    assert [shapes(named[name])[1][0] for name in leaves] == direct
    assert named["features.0"].site.line == marked_line(path, "features-conv")
    assert named["features.0"].site.kind == "definition"
    assert named["block.conv"].site.line == marked_line(path, "block-body")
    assert named["block"].site.line == marked_line(path, "net-block")
    assert named["features.0"].params == 3 * 8 * 3 * 3 + 8


def test_tf_keras_model_is_traced(kernel, run_direct):
    path = MODELS / "tf_keras_net.py"
    result = trace(kernel, path)
    direct = run_direct(
        "import numpy as np\n"
        "model = m.Small()\n"
        "y = model.dense(np.zeros((1, 7), 'float32')); z = model.scale(y)\n"
        "result = [list(y.shape), list(z.shape)]\n",
        path,
    )

    assert result.status == "ok", result.error
    assert result.framework == "tf_keras"
    assert result.input_shape == (1, 7) and "build" in result.input_shape_source
    calls = layer_calls(result)
    assert [shapes(call)[1][0] for call in calls] == direct
    assert {call.site.line for call in calls} == {marked_line(path, "small-body")}


def test_import_error_comes_back_as_a_result_on_its_line(kernel):
    path = MODELS / "import_error.py"
    result = trace(kernel, path, input_shape=(1, 4))

    assert result.status == "error"
    assert result.error.kind == "import"
    assert result.error.type_name == "ModuleNotFoundError"
    assert result.error.site.line == marked_line(path, "bad-import")
    assert "layerlint_no_such_module_for_tests" in result.error.message


def test_unsaved_text_is_traced_instead_of_the_file(kernel):
    path = MODELS / "feature_extractor_fixed.py"
    edited = "# two lines added\n# in the editor, not saved\n" + path.read_text(encoding="utf-8")
    result = trace(kernel, path, target="FeatureExtractor", source=edited)

    assert result.status == "ok", result.error
    first_call = layer_calls(result)[0]
    assert first_call.site.line == lines_containing(path, "self.bn_1(")[0] + 2
    assert first_call.site.code.startswith("x = self.maxpool(self.bn_1(")
