"""`%layerlint_trace` inside a real IPython kernel, on live objects defined in cells."""

from __future__ import annotations

import pytest

from layerlint.ipython_magic import parse_magic_line

CELL_DEFINE = """
import keras
from keras import layers

class Tower(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)
        self.norm = layers.BatchNormalization()

    def call(self, x):
        return self.norm(self.dense(x))  # the traced line

tower = Tower()
"""


def test_parse_magic_line():
    assert parse_magic_line("model (1, 32, 32, 3)") == ("model", (1, 32, 32, 3), "auto")
    assert parse_magic_line("Net 1,8 --device cpu") == ("Net", (1, 8), "cpu")
    expression, spec, _ = parse_magic_line("model 1, 8; 1,4:int32")
    assert expression == "model" and spec.structure == "several"
    assert [(item.shape, item.dtype) for item in spec.tensors] == [((1, 8), None), ((1, 4), "int32")]
    for bad in ("", "model", "model (1, x)", "model 1,2 --device"):
        with pytest.raises(ValueError):
            parse_magic_line(bad)


@pytest.mark.framework
def test_magic_traces_a_live_model_and_renders_html_and_text(kernel):
    displays = []
    with kernel.lock:
        assert kernel.execute(CELL_DEFINE, timeout=120).status == "ok"
        execution = kernel.execute(
            "%load_ext layerlint.ipython_magic\n%layerlint_trace tower (2, 5)", timeout=120,
            on_display=displays.append)

    assert execution.status == "ok", execution.error
    data = displays[-1]
    text, page = data["text/plain"], data["text/html"]
    assert "trace of tower, input (2, 5) (from magic)" in text
    dense_row = next(line for line in text.splitlines() if "(Dense)" in line)
    assert "(2, 5) -> (2, 3)" in dense_row and "self.norm(self.dense(x))" in dense_row
    assert "(2, 3) -> (2, 3)" in next(line for line in text.splitlines()
                                      if "(BatchNormalization)" in line)
    assert "<table>" in page and "self.norm(self.dense(x))" in page


@pytest.mark.framework
def test_magic_shows_the_error_of_a_crashing_class(kernel):
    displays = []
    code = (
        "%load_ext layerlint.ipython_magic\n"
        "from keras import layers\n"
        "class Broken(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.bn = layers.BatchNormalization()\n"
        "    def call(self, x):\n"
        "        return self.bn(x[:, :2]) + self.bn(x)\n"
    )
    with kernel.lock:
        assert kernel.execute(code, timeout=120).status == "ok"
        execution = kernel.execute("%layerlint_trace Broken 1,4", timeout=120,
                                   on_display=displays.append)

    assert execution.status == "ok", execution.error
    text = displays[-1]["text/plain"]
    assert "error: " in text and "expected axis -1 of input shape to have value 2" in text
