"""LL206 against its fixtures (tests/fixtures/custom/b_ll206_*.py), and its quick-fix under Keras.

Measured in the fixtures (Keras 3.15.1, TensorFlow backend): `build((None, 3))` + `load_weights`
on a subclassed model without build() restores nothing and raises nothing; a parent's build()
that builds such a child leaves the child's weights unloaded; `count_params()` after build() is
0. After the fix (a build() tracing call() symbolically) the weights load and count.
"""

from __future__ import annotations

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.fixes import apply_fix

CODES = codes_checked_with("LL206")
FIXTURES = fixtures_for("LL206")

CLASS_WITHOUT_BUILD = """\
import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)
"""


class TestGroundTruth(QuickFixChecks):
    code = "LL206"


def test_fixtures_cover_errors_warnings_and_negatives():
    severities = {e.severity for fixture in FIXTURES for e in fixture.expectations}
    assert severities == {"error", "warning", "information"}
    assert any(not fixture.expectations for fixture in FIXTURES)


@pytest.mark.parametrize("body, expected", [
    ("model = Net()\n    model.build((None, 4))\n    model.load_weights(path)", ["error"]),
    ("model = Net()\n    model.build((None, 4))\n    model.summary()", ["warning"]),
    # only the summary is off: the fit below builds every sublayer
    ("model = Net()\n    model.build((None, 4))\n    model.summary()\n    model.fit(x, y)", ["information"]),
    ("model = Net()\n    model.build((None, 4))\n    n = len(model.weights)\n    model(x)", ["information"]),
    ("model = Net()\n    model.build((None, 4))\n    print(model.count_params())", ["warning"]),
    # the first call on data builds the sublayers before their weights are needed
    ("model = Net()\n    model.build((None, 4))\n    model.fit(x, y)\n    model.save_weights(path)", []),
    ("model = Net()\n    model.build((None, 4))\n    model(x)\n    model.load_weights(path)", []),
    ("model = Net()\n    model.build((None, 4))\n    return model", []),
    # rebound to a built-in model before the build() call
    ("model = Net()\n    model = keras.Sequential()\n    model.build((None, 4))\n    model.summary()", []),
])
def test_reported_when_weights_are_needed_before_any_call(body, expected):
    source = f"{CLASS_WITHOUT_BUILD}\n\ndef main(path, x, y):\n    {body}\n"
    assert [finding.severity.value for finding in findings(source, CODES, "3")] == expected


def test_keras_2_targets_are_silent_and_unknown_ones_get_information():
    source = f"{CLASS_WITHOUT_BUILD}\n\ndef main(path):\n    model = Net()\n    model.build((None, 4))\n" \
        "    model.load_weights(path)\n"
    assert not findings(source, CODES, "2.15.0")
    ((severity, message),) = [(f.severity.value, f.message) for f in findings(source, CODES)]
    assert severity == "information" and message.startswith("On Keras 3: ")


def test_tf_keras_model_build_is_not_reported():
    # tf-keras' Model.build runs call() on a placeholder (26 weights measured for a 2-Dense model).
    source = CLASS_WITHOUT_BUILD.replace("import keras", "import tf_keras as keras") + (
        "\n\ndef main():\n    model = Net()\n    model.build((None, 4))\n    model.summary()\n")
    assert not findings(source, CODES)


def test_fix_adds_build_after_init_with_the_module_keras_name():
    source = CLASS_WITHOUT_BUILD.replace("import keras", "import tensorflow as tf").replace(
        "keras.", "tf.keras.") + (
        "\n\ndef main(path):\n    model = Net()\n    model.build((None, 4))\n"
        "    model.load_weights(path)\n")
    (finding,) = findings(source, CODES)
    fixed = apply_fix(source, finding.fixes[0])
    assert "self.compute_output_spec(tf.keras.KerasTensor(input_shape))" in fixed
    assert fixed.index("def __init__") < fixed.index("def build") < fixed.index("def call")
    assert "import keras" not in fixed
