"""LL203: ground-truth fixtures (add_weight, sub-layers and tf.Variable created in call() crash
under Keras 3 and tf-keras; stateless layers and tf-keras first-call guards run), and what the
rule counts as a creation."""

from __future__ import annotations

import textwrap

from analysis.rules.ground_truth import FixtureChecks, codes_checked_with, findings, fixtures_for

CODES = codes_checked_with("LL203")
FIXTURES = fixtures_for("LL203")


# --- ground truth --------------------------------------------------------------------------
class TestGroundTruth(FixtureChecks):
    code = "LL203"


def test_fixtures_cover_both_frameworks_and_negatives():
    assert any("tf_keras" in fixture.name and fixture.expectations for fixture in FIXTURES)
    assert any(not fixture.expectations for fixture in FIXTURES)


# --- what counts as a creation -------------------------------------------------------------
def ll203(source: str) -> list[tuple[str, str]]:
    source = textwrap.dedent(source)
    return [(source.splitlines()[f.span.line - 1].strip(), f.message)
            for f in findings(source, CODES, "3") if f.code == "LL203"]


def test_helpers_called_from_call_are_searched_and_build_is_not():
    found = ll203("""\
        import keras
        from keras import layers

        class Block(layers.Layer):
            def build(self, shape):
                self.kernel = self.add_weight(shape=shape)
                self.norm = self._norm()

            def _norm(self):
                return layers.BatchNormalization()

            def call(self, x):
                return self._project(x)

            def _project(self, x):
                return keras.Sequential([layers.Dense(4), layers.ReLU()])(x)
        """)
    assert [line for line, _ in found] == [
        "return keras.Sequential([layers.Dense(4), layers.ReLU()])(x)"]
    assert "Block._project()" in found[0][1]


def test_local_layer_classes_count_when_they_own_weights():
    found = ll203("""\
        from keras import layers

        class Scale(layers.Layer):
            def build(self, shape):
                self.w = self.add_weight(shape=shape)

        class Plain(layers.Layer):
            def call(self, x):
                return x

        class Wrapper(layers.Layer):
            def call(self, x):
                return Plain()(Scale()(x))
        """)
    assert [line for line, _ in found] == ["return Plain()(Scale()(x))"]
    assert "`Scale(...)`" in found[0][1]


def test_guards_help_tf_keras_only():
    body = """\
        import tensorflow as tf
        import {module}

        class Lazy({module}.layers.Layer):
            def call(self, x):
                if not hasattr(self, "w"):
                    self.w = self.add_weight(shape=(3,))
                return x * self.w
        """
    assert ll203(body.format(module="tf_keras")) == []
    (keras3,) = ll203(body.format(module="keras"))
    assert "the `if` guard does not help" in keras3[1]
    assert "You cannot add new elements of state" in keras3[1]


def test_messages_quote_the_error_each_framework_raises():
    (inline,) = ll203("""\
        import tensorflow as tf
        import keras

        class A(keras.layers.Layer):
            def call(self, x):
                return x * tf.Variable(1.0)
        """)
    assert "tf.function only supports singleton tf.Variables created on the first call" in inline[1]
    assert ll203("""\
        import torch

        class T(torch.nn.Module):
            def forward(self, x):
                return torch.nn.Linear(3, 3)(x)
        """) == []


def test_a_helper_called_under_a_guard_is_guarded():
    # tf-keras' own MultiHeadAttention builds its projections this way on the first call.
    body = """\
        import {module}

        class Attention({module}.layers.Layer):
            def call(self, query):
                if not self._built_from_signature:
                    self._build_from_signature(query)
                return self._project(query)

            def _build_from_signature(self, query):
                self._dense = {module}.layers.Dense(4)

            def _project(self, query):
                return {module}.layers.Dense(4)(query)
        """
    assert [line for line, _ in ll203(body.format(module="tf_keras"))] == [
        "return tf_keras.layers.Dense(4)(query)"]
    # Keras 3: one finding for the class, on the creation that fails everywhere (the inline
    # Dense); the guarded one, which Keras 3 refuses too, is a related location.
    (finding,) = [f for f in findings(textwrap.dedent(body.format(module="keras")), CODES, "3")
                  if f.code == "LL203"]
    assert finding.span.line == 13
    assert [item.span.line for item in finding.related] == [10]


def test_versions_decide_what_is_reported():
    body = textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow import keras

        class Head(keras.layers.Layer):
            def call(self, x):
                if self.v is None:
                    self.v = tf.Variable(1.0)
                return keras.layers.Dropout(0.5)(x) * self.v
        """)

    def found(version):
        return [(f.severity.value, f.message) for f in findings(body, CODES, version)
                if f.code == "LL203"]

    # The guarded tf.Variable runs everywhere (made once); the Dropout's seed generator is
    # Keras 3's only.
    ((severity, message),) = found("3")
    assert severity == "error" and "seed-generator variable" in message
    assert "already built" not in message
    assert found("2.15.0") == []
    ((severity, message),) = found(None)
    assert severity == "information" and message.startswith("On Keras 3: ")
