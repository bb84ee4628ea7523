"""LL202 and its quick-fix: ground-truth fixtures (a tf.Variable that never trains or is never
saved under Keras 3, tracked under tf-keras), severities by framework and `trainable`, and the
tf.Variable -> add_weight translations."""

from __future__ import annotations

import ast
import textwrap

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix
from layerlint.syntax.add_weight import add_weight_call
from layerlint.syntax.imports import collect_imports

CODES = codes_checked_with("LL202")
FIXTURES = fixtures_for("LL202")


# --- ground truth --------------------------------------------------------------------------
class TestGroundTruth(QuickFixChecks):
    """Each fixture's run() raises when its variable does not train or is not saved: a fixed
    program that runs has a weight that trains and saves."""

    code = "LL202"


def test_fixtures_cover_both_frameworks_and_a_negative():
    assert {e.severity for f in FIXTURES for e in f.expectations} == {"error", "information"}
    assert any(f.framework == "tf-keras" and not f.expectations for f in FIXTURES)
    assert any("silent" in fixture.name for fixture in FIXTURES)


# --- the rule ------------------------------------------------------------------------------
def ll202(source: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (source.splitlines()[f.span.line - 1].strip(), f.severity.value, tuple(x.title for x in f.fixes))
        for f in findings(textwrap.dedent(source), CODES, "3") if f.code == "LL202"
    ]


def test_severity_follows_what_call_reads_and_what_the_variable_holds():
    found = ll202("""\
        import tensorflow as tf
        import tf_keras
        from tensorflow import keras

        class A(keras.layers.Layer):
            def build(self, shape):
                self.scale = tf.Variable(tf.zeros(shape))
                self.unused = tf.Variable(tf.zeros(shape))
                self.flagged = tf.Variable(tf.zeros(shape), trainable=self.flag)
                self.table = tf.Variable(tf.zeros(shape), trainable=False)
                self.steps = tf.Variable(0)
                self.ema = tf.Variable(tf.zeros(shape))

            def call(self, x):
                self.steps.assign_add(1)
                self.ema.assign(0.9 * self.ema + 0.1 * x)
                return x * self.scale * self.flagged + self.table

        class B(tf_keras.layers.Layer):
            def build(self, shape):
                self.c = tf.Variable(tf.zeros(shape))

            def call(self, x):
                return x * self.c

        model = keras.Sequential([A()])
        model.fit(x, y)
        """)
    assert [(line.split(" =")[0], severity) for line, severity, _ in found] == [
        ("self.scale", "error"),  # trainable float that call() reads: never trained, never saved
        ("self.unused", "warning"),
        ("self.flagged", "warning"),  # trainable is an expression
        ("self.table", "information"),  # a constant
        ("self.steps", "information"),  # an integer counter
        ("self.ema", "information"),  # assign()-updated bookkeeping
    ]  # and tf-keras tracks B.c: silent


def test_variables_in_helpers_count_but_not_in_call_or_other_frameworks():
    found = ll202("""\
        import tensorflow as tf
        import torch
        import keras

        class A(keras.layers.Layer):
            def build(self, shape):
                self._make(shape)

            def _make(self, shape):
                self.a = tf.Variable(tf.ones(shape))

            def call(self, x):
                return x * tf.Variable(1.0)

        class T(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.v = tf.Variable(1.0)
        """)
    assert [line for line, _, _ in found] == ["self.a = tf.Variable(tf.ones(shape))"]


def test_no_fix_before_super_init_or_for_non_mechanical_values():
    found = ll202("""\
        import numpy as np
        import tensorflow as tf
        import keras

        class A(keras.layers.Layer):
            def __init__(self, table):
                self.early = tf.Variable(tf.zeros((3,)))
                super().__init__()
                self.table = tf.Variable(table)
                self.seeded = tf.Variable(tf.random.normal((3,), seed=1))
                self.ok = tf.Variable(tf.zeros((3,)))
        """)
    assert [fixes for _, _, fixes in found] == [
        (), (), (), ("Replace tf.Variable with self.add_weight",)]


# --- the translation -----------------------------------------------------------------------
def translate(
    expression: str, framework: str = "keras", header: str = "import tensorflow as tf\nimport keras"
) -> str | None:
    imports = collect_imports(ast.parse(header).body)
    call = ast.parse(expression, mode="eval").body
    result = add_weight_call(call, expression, "self", imports, framework)
    return None if result is None else result[0]


@pytest.mark.parametrize(("expression", "expected"), [
    ("tf.Variable(tf.zeros((3, 4)))", 'self.add_weight(shape=(3, 4), initializer="zeros")'),
    ("tf.Variable(initial_value=tf.ones([n], dtype=tf.float64), name='w', trainable=False)",
     'self.add_weight(shape=[n], initializer="ones", dtype=tf.float64, trainable=False, name=\'w\')'),
    ("tf.Variable(tf.random.uniform((2,)))",
     "self.add_weight(shape=(2,), initializer=keras.initializers.RandomUniform(minval=0.0, maxval=1.0))"),
    ("tf.Variable(tf.random.truncated_normal((2,), stddev=0.02))",
     "self.add_weight(shape=(2,), initializer=keras.initializers.TruncatedNormal(mean=0.0, stddev=0.02))"),
    ("tf.Variable(tf.fill((2, 2), 0.5))",
     "self.add_weight(shape=(2, 2), initializer=keras.initializers.Constant(0.5))"),
    ("tf.Variable(0)", 'self.add_weight(shape=(), initializer="zeros", dtype="int32")'),
    ("tf.Variable(2.5)", "self.add_weight(shape=(), initializer=keras.initializers.Constant(2.5))"),
    ("tf.Variable(tf.random.normal((2,), 0.0, 1.0))", None),
    ("tf.Variable(tf.random.normal((2,), seed=3))", None),
    ("tf.Variable(tf.zeros((2,)), constraint=f)", None),
    ("tf.Variable(np.zeros((2,)))", None),
    ("tf.Variable(**options)", None),
])
def test_translation(expression, expected):
    assert translate(expression) == expected


def test_translation_reaches_initializers_through_the_module_imports():
    expression = "tf.Variable(tf.random.normal((2,)))"
    legacy = translate(expression, "tf_keras", "import tensorflow as tf\nimport tf_keras as tk")
    assert legacy == ("self.add_weight(shape=(2,), initializer=tk.initializers.RandomNormal("
                      "mean=0.0, stddev=1.0))")
    only_tf = translate(expression, "keras", "import tensorflow as tf")
    assert only_tf is not None and "tf.keras.initializers.RandomNormal(" in only_tf


def test_fix_adds_the_import_it_needs_and_rejects_stale_positions():
    source = textwrap.dedent("""\
        import tensorflow as tf
        from keras import layers


        class A(layers.Layer):
            def build(self, shape):
                self.w = tf.Variable(tf.random.normal((shape[-1],)))
        """)
    (finding,) = findings(source, CODES)
    (fix,) = finding.fixes
    fixed = apply_fix(source, fix)
    assert fixed.splitlines()[:3] == ["import tensorflow as tf", "from keras import layers", "import keras"]
    assert ("self.w = self.add_weight(shape=(shape[-1],), initializer=keras.initializers."
            "RandomNormal(mean=0.0, stddev=1.0))") in fixed
    with pytest.raises(FixError, match=r"no tf\.Variable call"):
        apply_fix(source, parse_fix_request(fix.kind, {**fix.data, "call_sites": [[3, 1]]}, fix.title))


def test_a_project_on_keras_2_is_silent_unless_it_uses_mixed_precision():
    from layerlint.analysis import analyse
    from layerlint.config import Settings

    source = textwrap.dedent("""\
        import tensorflow as tf
        import keras

        class A(keras.layers.Layer):
            def build(self, shape):
                self.w = tf.Variable(tf.zeros(shape))

            def call(self, x):
                return x * self.w
        """)
    source += "model = keras.Sequential([A()])\nmodel.fit(x, y)\n"
    mixed = source + 'keras.mixed_precision.set_global_policy("mixed_float16")\n'

    def severities(text, version):
        return [f.severity.value for f in analyse(text, settings=Settings(keras_version=version)).findings]

    assert severities(source, "3.15.1") == ["error"]
    assert severities(source, "2.15.0") == []
    assert severities(mixed, "2.15.0") == ["error"]  # float16 input times a float32 variable


def test_an_unknown_target_gets_information_on_keras_3():
    source = textwrap.dedent("""\
        import tensorflow as tf

        class A(tf.keras.layers.Layer):
            def build(self, shape):
                self.w = tf.Variable(tf.zeros(shape))

            def call(self, x):
                return x * self.w
        """)
    ((severity, message),) = [(f.severity.value, f.message) for f in findings(source, CODES)]
    assert severity == "information" and message.startswith("On Keras 3: ")


def test_error_needs_the_module_to_train_save_or_read_the_layer():
    layer = textwrap.dedent("""\
        import tensorflow as tf
        import keras

        class Scale(keras.layers.Layer):
            def build(self, shape):
                self.w = tf.Variable(tf.ones(shape))

            def call(self, x):
                return x * self.w

        class Block(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.scale = Scale()

            def call(self, x):
                return self.scale(x)

        class Wider(Scale):
            pass
        """)

    def severity(code: str) -> str:
        (finding,) = [f for f in findings(layer + code, CODES, "3") if f.code == "LL202"]
        return finding.severity.value

    assert severity("layer = Scale()\ny = layer(x)\n") == "information"  # only called
    assert severity("layer = Scale()\nprint(layer.variables)\n") == "error"  # variables read: []
    # held by a class that is trained, built by a function whose result is saved, or a subclass
    assert severity("model = keras.Sequential([Block()])\nmodel.fit(x, y)\n") == "error"
    assert severity(
        "def build():\n    inputs = keras.Input((3,))\n    return keras.Model(inputs, Block()(inputs))\n\n"
        "net = build()\nnet.save('net.keras')\n") == "error"
    assert severity("m = keras.Sequential([Wider()])\nm.compile('sgd', 'mse')\n") == "error"
    # the flow LL201/LL207 read (`save_evidence`): a helper's parameter, a global a function
    # reads, a weights-only save; and rebinding: the model trained is not the one holding Scale
    assert severity("def train(model):\n    model.fit(x, y)\n\n"
                    "train(keras.Sequential([Scale()]))\n") == "error"
    assert severity("net = keras.Sequential([Scale()])\n\n"
                    "def step():\n    return tape.gradient(loss, net.trainable_weights)\n") == "error"
    assert severity("m = keras.Sequential([Scale()])\nm.save_weights('m.weights.h5')\n") == "error"
    assert severity("m = keras.Sequential([Scale()])\nm = keras.Sequential([])\nm.fit(x, y)\n") == (
        "information")
    (finding,) = [f for f in findings(layer, CODES, "3") if f.code == "LL202"]
    assert "nothing in this module trains or saves this layer" in finding.message
