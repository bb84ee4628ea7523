"""Static shape inference (analysis/shapes/infer.py): where shapes come from, how they flow
through Sequential/functional/subclassed/torch models, and where they must stay unknown."""

from __future__ import annotations

import textwrap

from layerlint.analysis.shapes import infer
from layerlint.analysis.shapes.infer import infer_source

KERAS = (
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "from tensorflow.keras import layers\n"
)
TORCH = "import torch\nfrom torch import nn\n"


def shapes(source: str) -> dict[int, str]:
    """Line -> output text of the last call on it (error text for an error)."""
    result = infer_source(textwrap.dedent(source))
    by_line: dict[int, str] = {}
    for call in sorted(result.calls, key=lambda call: call.column):
        by_line[call.line] = call.output_text
    for call in result.errors:
        by_line[call.line] = f"error: {call.error}"
    return by_line


def test_sequential_with_input_shape_on_the_first_layer():
    found = shapes(KERAS + """
model = keras.Sequential([
    layers.Conv2D(6, 3, input_shape=(31, 31, 3)),
    layers.Flatten(),
    layers.Dense(10),
])
""")
    assert found == {7: "(None, 29, 29, 6)", 8: "(None, 5046)", 9: "(None, 10)"}


def test_add_chain_takes_its_input_from_training_data_made_in_the_file():
    found = shapes(KERAS + """
model = keras.Sequential()
model.add(layers.Dense(16))
model.add(layers.Dense(1))
data = np.random.rand(100, 10, 32)
model.fit(data, np.zeros((100, 1)))
""")
    assert found == {7: "(None, 10, 16)", 8: "(None, 10, 1)"}


def test_build_and_a_concrete_call_give_the_input():
    found = shapes(KERAS + """
first = keras.Sequential([layers.Dense(4)])
first.build((None, 20))
second = keras.Sequential([layers.Dense(3)])
second(tf.zeros((2, 5)))
""")
    assert found == {6: "(None, 4)", 8: "(2, 3)"}


def test_comment_gives_the_input_shape():
    found = shapes(KERAS + """
# layerlint: input-shape=1,8
model = keras.Sequential([layers.Dense(4)])
""")
    assert found == {7: "(1, 4)"}


def test_functional_graph_with_merge_and_wrapped_recurrent_layer():
    found = shapes(KERAS + """
tokens = keras.Input(shape=(12,))
extra = keras.Input(shape=(5,))
x = layers.Embedding(100, 8)(tokens)
x = layers.Bidirectional(layers.LSTM(4))(x)
merged = layers.concatenate([x, extra])
""")
    assert found[8] == "(None, 12, 8)"
    assert found[9] == "(None, 8)"
    assert found[10] == "(None, 13)"


def test_subclassed_model_through_attributes_helpers_and_a_counted_loop():
    found = shapes(KERAS + """
class Net(keras.Model):
    def __init__(self, width=16):
        super().__init__()
        self.blocks = [layers.Dense(width) for _ in range(3)]
        self.head = layers.Dense(2)

    def trunk(self, x):
        for block in self.blocks:
            x = block(x)
        return x

    def call(self, x):
        return self.head(self.trunk(x))

Net(width=8)(np.zeros((4, 3)))
""")
    assert found[14] == "(4, 8)"
    assert found[18] == "(4, 2)"


def test_custom_layer_of_the_module_is_interpreted_through_its_call():
    found = shapes(KERAS + """
class Block(layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

inputs = keras.Input((7,))
outputs = layers.Dense(3)(Block(5)(inputs))
""")
    assert found[12] == "(None, 5)"
    assert found[15] == "(None, 3)"


def test_arms_that_disagree_make_the_shape_unknown():
    found = shapes(KERAS + """
import random
inputs = keras.Input((7,))
if random.random() > 0.5:
    x = layers.Dense(3)(inputs)
else:
    x = layers.Dense(4)(inputs)
y = layers.Dense(2)(x)
""")
    assert found[9] == "(None, 3)" and found[11] == "(None, 4)"
    assert found[12] == "(unknown)"


def test_a_loop_of_unknown_count_forgets_what_it_changes():
    found = shapes(KERAS + """
import sys
x = keras.Input((7,))
for _ in range(int(sys.argv[1])):
    x = layers.Dense(3)(x)
y = layers.Dense(2)(x)
""")
    assert 9 not in found  # not recorded: each iteration may differ
    assert found[10] == "(unknown)"


def test_a_loop_too_long_to_unroll_is_one_of_unknown_count():
    # 64 iterations are unrolled; a longer range is never listed, however long it is.
    for count in ("65", "100_000_000_000_000_000_000"):
        found = shapes(KERAS + f"""
x = keras.Input((7,))
for _ in range({count}):
    x = layers.Dense(3)(x)
y = layers.Dense(2)(x)
""")
        assert 8 not in found and found[9] == "(unknown)"
    found = shapes(KERAS + """
x = keras.Input((7,))
for _ in range(64):
    x = layers.Dense(3)(x)
y = layers.Dense(2)(x)
""")
    assert found[8] == "(None, 3)" and found[9] == "(None, 2)"


def test_a_training_loop_is_unrolled_only_within_its_budget(monkeypatch):
    # 64 epochs of a 30-step inner loop would run 3,840 statements on every keystroke; past
    # `_MAX_LOOP_STEPS` the loops left are of unknown count, and the model built before the
    # loop keeps its shapes.
    source = KERAS + """
x = keras.Input((7,))
model = keras.Model(x, layers.Dense(3)(x))
head = layers.Dense(3)


def train_step(batch):
    for _ in range(30):
        y = head(batch)
        loss = y * 2
    return loss


for epoch in range(64):
    out = train_step(x)
z = layers.Dense(2)(out)
"""
    run = []
    statement = infer.Interpreter._statement
    monkeypatch.setattr(infer.Interpreter, "_statement",
                        lambda self, node, frame: run.append(1) or statement(self, node, frame))
    found = shapes(source)
    assert found[7] == "(None, 3)"
    assert found[20] == "(unknown)"  # the loop stopped unrolling: `out` is unknown after it
    assert len(run) < infer._MAX_LOOP_STEPS + 100  # instead of 64 * (1 + 30 * 3)


def test_a_layer_building_loop_within_the_budget_is_unrolled_whole():
    found = shapes(KERAS + """
x = keras.Input((7,))


def block(t, width):
    t = layers.Dense(width)(t)
    t = layers.LayerNormalization()(t)
    t = layers.Dense(width)(t)
    return t


for stage in range(4):
    for _ in range(16):
        x = block(x, 8)
y = layers.Dense(2)(x)
""")
    assert found[19] == "(None, 2)"  # 64 blocks of 3 layers: 256 statements


def test_anything_not_understood_is_unknown_never_a_guess():
    found = shapes(KERAS + """
from somewhere import mystery
x = keras.Input((7,))
y = layers.Dense(3)(mystery(x))
z = layers.Dense(3, input_shape=(SIZE,))
""")
    assert found[8] == "(unknown)"


def test_torch_sequential_and_forward_with_tensor_methods():
    found = shapes(TORCH + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.head = nn.Linear(8 * 30 * 30, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.head(x)

Net()(torch.randn(2, 3, 32, 32))
""")
    assert found[7] == "(2, 8, 30, 30)"
    assert found[13] == "(2, 10)"


def test_errors_name_the_framework_message():
    found = shapes(KERAS + """
model = keras.Sequential([
    layers.Input((28, 28)),
    layers.Conv2D(32, 3),
    layers.Flatten(),
])
""")
    assert found[8] == "error: expected min_ndim=4, found ndim=3"
    assert found[9] == "(unknown)"  # after a crash nothing is known


def test_tensor_functions_named_like_merge_layers_stay_tensor_functions():
    """`ops.subtract(a, b)` is not `layers.subtract([a, b])` (a false LL105 on keras-hub)."""
    result = infer_source(textwrap.dedent(KERAS + """
from keras import ops
def loss(y_true, y_pred):
    return ops.mean(ops.subtract(ops.log(y_true), ops.log(y_pred)))
left = keras.Input((4,))
difference = layers.subtract([left, layers.Dense(4)(left)])
"""))
    assert not result.errors
    assert [call.output_text for call in result.calls if call.layer == "Subtract"] == ["(None, 4)"]
