"""`layer.set_weights([...])` in the static shapes (infer.py + weights.py): an error only where
the layer was built before the call on a known input and the given arrays' literal shapes
differ from the weights Keras built (messages recorded under Keras 3.15 and tf-keras 2.21, which
say the same: `Layer dense weight shape (20, 8) is not compatible with provided weight shape
(10, 8).`)."""

from __future__ import annotations

import textwrap

import pytest

from layerlint.analysis.engine import analyse
from layerlint.analysis.shapes.infer import infer_source

HEADERS = {
    "keras 3": "import numpy as np\nimport keras\nfrom keras import layers\n",
    "tf-keras": "import numpy as np\nimport tf_keras as keras\nfrom tf_keras import layers\n",
}
FUNCTIONAL = """
inputs = keras.Input((20,))
dense = layers.Dense(8)
outputs = dense(inputs)
"""


def errors(source: str) -> list[tuple[int, str]]:
    return [(call.line, call.error or "") for call in infer_source(textwrap.dedent(source)).errors]


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_a_kernel_of_the_wrong_shape_after_the_layer_is_built_is_an_error(header):
    source = header + FUNCTIONAL + "dense.set_weights([np.zeros((10, 8)), np.zeros(8)])\n"
    assert errors(source) == [(8, "weight shape (20, 8) is not compatible with provided weight "
                                  "shape (10, 8)")]
    [finding] = [f for f in analyse(source).findings if f.code == "LL105"]
    assert finding.span.line == 8
    assert finding.message == (
        "Dense.set_weights() gets weights that do not fit the layer, built on the input "
        "(None, 20): weight shape (20, 8) is not compatible with provided weight shape (10, 8). "
        "The call crashes here.")


def test_bias_rank_and_convolution_channels_are_checked():
    header = HEADERS["keras 3"]
    bias = header + FUNCTIONAL + "dense.set_weights([np.zeros((20, 8)), np.zeros(4)])\n"
    assert errors(bias) == [(8, "weight shape (8,) is not compatible with provided weight shape "
                                "(4,)")]
    conv = header + """
images = keras.Input((9, 9, 3))
conv = layers.Conv2D(4, 3)
maps = conv(images)
conv.set_weights([np.random.rand(3, 3, 1, 4), np.zeros(4)])
"""
    assert errors(conv) == [(8, "weight shape (3, 3, 3, 4) is not compatible with provided "
                                "weight shape (3, 3, 1, 4)")]


def test_a_layer_added_to_a_sequential_after_its_input_is_built_there():
    source = HEADERS["tf-keras"] + """
embedding = layers.Embedding(1000, 64)
model = keras.Sequential([layers.Input((10,)), embedding])
embedding.set_weights([np.random.rand(1000, 50)])
"""
    assert errors(source) == [(7, "weight shape (1000, 64) is not compatible with provided "
                                  "weight shape (1000, 50)")]


@pytest.mark.parametrize("source", [
    # fits
    FUNCTIONAL + "dense.set_weights([np.zeros((20, 8)), np.zeros(8)])\n",
    # not built yet when set_weights runs (Keras says it expects 0 weights: another message)
    "dense = layers.Dense(8)\ndense.set_weights([np.zeros((10, 8)), np.zeros(8)])\n"
    "dense(keras.Input((20,)))\n",
    # built on an input whose width is unknown here
    "dense = layers.Dense(8)\ndense(data)\ndense.set_weights([np.zeros((10, 8)), np.zeros(8)])\n",
    # arrays whose shapes are not literal, or a different number of arrays
    FUNCTIONAL + "dense.set_weights([kernel, np.zeros(8)])\n",
    FUNCTIONAL + "dense.set_weights([np.zeros((10, 8))])\n",
    # a layer whose weights are not modelled
    "lstm = layers.LSTM(4)\nlstm(keras.Input((5, 3)))\nlstm.set_weights([np.zeros((1, 1))])\n",
], ids=["fits", "not-built", "unknown-input", "unknown-array", "count", "lstm"])
def test_nothing_is_said_where_the_mismatch_is_not_proven(source):
    assert errors(HEADERS["keras 3"] + source) == []


def test_a_torch_module_has_no_set_weights_to_check():
    source = """
import numpy as np
from torch import nn
linear = nn.Linear(20, 8)
linear.set_weights([np.zeros((10, 8))])
"""
    assert errors(source) == []


def test_a_set_weights_in_a_function_is_found_again_after_an_edit_elsewhere():
    source = HEADERS["keras 3"] + """
def run():
    inputs = keras.Input((20,))
    dense = layers.Dense(8)
    dense(inputs)
    dense.set_weights([np.zeros((8, 20)), np.zeros(8)])
"""
    for edit in ("epochs = 1", "epochs = 2"):
        assert [f.span.line for f in analyse(f"{source}\n{edit}\n").findings
                if f.code == "LL105"] == [9]
