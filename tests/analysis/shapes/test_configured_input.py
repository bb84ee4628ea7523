"""The configured input shape (`Settings.input_shape`, `[tool.layerlint] input-shape`) in the
static shape inference: used only for a module's top-level models whose input the code does not
give; anything written in the code wins."""

from __future__ import annotations

import textwrap

from layerlint.analysis.engine import analyse
from layerlint.analysis.shapes.infer import infer_source
from layerlint.config import Settings

KERAS = "import keras\nfrom keras import layers\n"
TORCH = "import torch\nfrom torch import nn\n"

NO_INPUT_SEQUENTIAL = KERAS + """
model = keras.Sequential([
    layers.Conv2D(8, 3),
    layers.LSTM(4),
])
"""


def outputs(source: str, configured: tuple[int, ...] | None) -> dict[int, str]:
    result = infer_source(textwrap.dedent(source), None, configured)
    found = {call.line: call.output_text for call in result.calls}
    found.update({call.line: f"error: {call.error}" for call in result.errors})
    return found


def ll105(source: str, configured: tuple[int, ...] | None) -> list[tuple[int, str]]:
    result = analyse(textwrap.dedent(source), settings=Settings(input_shape=configured))
    return [(f.span.line, f.message) for f in result.findings if f.code == "LL105"]


def test_a_model_without_input_in_the_code_gets_shapes_only_with_the_setting():
    assert outputs(NO_INPUT_SEQUENTIAL, None) == {}
    assert ll105(NO_INPUT_SEQUENTIAL, None) == []
    # The first dim is the batch (as the trace reads the setting); statically it stays None.
    found = outputs(NO_INPUT_SEQUENTIAL, (1, 28, 28, 3))
    assert found[5] == "(None, 26, 26, 8)"
    assert found[6] == "error: expected ndim=3, found ndim=4"
    assert ll105(NO_INPUT_SEQUENTIAL, (1, 28, 28, 3)) == [(6, (
        "LSTM cannot take its input (None, 26, 26, 8) (the shape comes from line 5): expected "
        "ndim=3, found ndim=4. The model crashes here when it is built or first run."))]


def test_the_finding_names_the_configuration_when_the_first_layer_rejects_it():
    [(line, message)] = ll105(NO_INPUT_SEQUENTIAL, (4, 20))
    assert line == 5
    assert message.startswith("Conv2D cannot take its input (None, 20) (the shape comes from "
                              "the configured input-shape [4, 20]): expected min_ndim=4")


def test_a_setting_that_fits_gives_shapes_and_no_finding():
    source = KERAS + """
model = keras.Sequential([layers.Dense(16), layers.Dense(1)])
"""
    assert outputs(source, (32, 10)) == {4: "(None, 1)"}
    assert ll105(source, (32, 10)) == []


def test_code_written_input_wins_over_the_setting():
    written = [
        "layers.Input((30, 30, 3)),",                    # a leading Input
        "layers.Conv2D(8, 3, input_shape=(30, 30, 3)),",  # input_shape= on the first layer
    ]
    for first in written:
        source = KERAS + f"""
model = keras.Sequential([
    {first}
    layers.Conv2D(8, 3),
    layers.Flatten(),
])
"""
        assert ll105(source, (4, 20)) == []
        assert "error" not in " ".join(outputs(source, (4, 20)).values())
    built = NO_INPUT_SEQUENTIAL + "model.build((None, 10, 3))\n"
    fitted = NO_INPUT_SEQUENTIAL + "model.fit(np.zeros((8, 10, 3)), np.zeros((8, 4)))\n"
    commented = NO_INPUT_SEQUENTIAL.replace(
        "model = ", "# layerlint: input-shape=2,10,3\nmodel = ")
    for source in (built, "import numpy as np\n" + fitted, commented):
        # Each gives a rank-3 input the Conv2D rejects; the setting would give a rank-4 one.
        assert "found ndim=3" in " ".join(outputs(source, None).values())
        assert outputs(source, (1, 28, 28, 3)) == outputs(source, None)
        assert ll105(source, (1, 28, 28, 3)) == ll105(source, None) != []


def test_a_concrete_call_of_a_torch_model_wins_and_submodules_never_get_the_setting():
    source = TORCH + """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 8)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 64)
        self.block = Block()

    def forward(self, x):
        return self.block(self.fc(x))
"""
    # Net gets (None, 20); Block, used inside Net, is never fed the setting directly.
    assert ll105(source, (4, 20)) == []
    assert outputs(source, (4, 20)) == {10: "(None, 8)", 20: "(None, 64)"}
    assert [line for line, _ in ll105(source, (4, 64))] == [20] # Net's Linear(20, 64) rejects 64 features
    called = source + "\nout = Net()(torch.randn(4, 20))\n"
    assert ll105(called, (4, 64)) == []


def test_a_keras_custom_layer_is_not_a_model_and_gets_no_setting():
    source = KERAS + """
class Scale(layers.Layer):
    def call(self, x):
        return layers.Dense(3)(x)
"""
    assert outputs(source, (4, 20)) == {}


def test_an_edit_elsewhere_keeps_the_answer_when_unchanged_functions_are_replayed():
    # `main` is not called: it is interpreted with unknown arguments, and on the next keystroke
    # replayed from memory; the call of Net it makes must still keep the setting away from Net.
    source = TORCH + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 64)

    def forward(self, x):
        return self.fc(x)


def main():
    return Net()(torch.randn(4, 20))
"""
    for edit in ("epochs = 1", "epochs = 2", "epochs = 3"):
        assert ll105(f"{source}\n{edit}\n", (4, 64)) == []
        assert ll105(f"{source}\n{edit}\n", None) == []
    assert [line for line, _ in ll105(source.replace("main()", "main(x)").replace(
        "torch.randn(4, 20)", "x"), (4, 64))] == [10]


def test_the_setting_goes_to_the_one_model_no_input_reaches_and_to_none_of_several():
    second = """
critic = keras.Sequential([layers.Dense(16), layers.Reshape((7, 7))])
"""
    # Two models without input: which one the setting describes is not known.
    assert outputs(NO_INPUT_SEQUENTIAL + second, (1, 28, 28, 3)) == {}
    # One of them given its input in the code: the setting is the other one's.
    fed = NO_INPUT_SEQUENTIAL + second.replace("layers.Dense(16)", "layers.Dense(49, input_dim=3)")
    found = outputs(fed, (1, 28, 28, 3))
    assert found[6] == "error: expected ndim=3, found ndim=4"
    assert found[9] == "(None, 7, 7)"


def test_a_model_built_in_an_uncalled_function_keeps_the_setting_after_an_edit_elsewhere():
    source = KERAS + """
def build():
    model = keras.Sequential([layers.Conv2D(8, 3), layers.LSTM(4)])
    return model
"""
    for edit in ("epochs = 1", "epochs = 2"):
        assert [line for line, _ in ll105(f"{source}\n{edit}\n", (1, 28, 28, 3))] == [5]
        assert ll105(f"{source}\n{edit}\n", None) == []
