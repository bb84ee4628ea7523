"""LL204 and its quick-fix: ground-truth fixtures (print runs at trace time only; a Python `if`
or `while` on a tensor crashes Keras 3 under fit and trains under tf-keras; static conditions
are fine), what counts as a tensor value, and the print -> tf.print rewrite."""

from __future__ import annotations

import ast
import textwrap

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.analysis import analyse
from layerlint.fix_requests import FixRequest, parse_fix_request
from layerlint.fixes import FixError, apply_fix

CODES = codes_checked_with("LL204")
FIXTURES = fixtures_for("LL204")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


# --- ground truth --------------------------------------------------------------------------
class TestGroundTruth(QuickFixChecks):
    """The print fixture's run() counts the lines printed while training: its fixed program
    runs only when tf.print printed on every step."""

    code = "LL204"


def test_fixtures_cover_print_conditions_and_negatives():
    assert WITH_FIXES
    assert any("tf_keras" in fixture.name and not fixture.expectations for fixture in FIXTURES)
    assert any("static" in fixture.name for fixture in FIXTURES)


# --- what is a tensor value ----------------------------------------------------------------
HEADER = "import keras\nimport tensorflow as tf\nimport tf_keras\nfrom keras import layers, ops\n\n"


def ll204(body: str, header: str = HEADER) -> list[tuple[str, str]]:
    source = header + textwrap.dedent(body).lstrip("\n")
    return [(source.splitlines()[f.span.line - 1].strip(), f.severity.value)
            for f in findings(source, CODES, "3") if f.code == "LL204"]


def test_conditions_derived_from_inputs_are_tensors_static_views_are_not():
    found = ll204("""
        class Layer(layers.Layer):
            def call(self, query, value, training=False, mask=None, scale=2.0):
                n = query.shape[-1]
                rows = len(value)
                batch, width = ops.shape(query)
                score = ops.matmul(query, ops.transpose(value)) * scale
                best, = ops.max(score, axis=-1, keepdims=True),
                if n > 1 and rows and batch and width:
                    pass
                if training or mask is not None or scale > 1 or self.flag:
                    pass
                if tf.executing_eagerly() and query.dtype == "float32" and query.ndim == 2:
                    pass
                if score.shape[0] > 0:
                    pass
                if best:
                    pass
                while query.numpy().any():
                    pass
                return score if tf.reduce_any(mask > 0) else value
    """)
    # Only the first argument is an input: `mask > 0` on the last line stays silent.
    assert found == [("if best:", "error"), ("while query.numpy().any():", "error")]


def test_further_arguments_and_helper_results_are_not_assumed_tensors():
    # Both from keras-hub (flux_maths.py, swin_transformer_layers.py), where they are ints.
    assert ll204("""
        def window_partition(x, size):
            return x, (x.shape[1] // size, x.shape[2] // size)

        class Embed(layers.Layer):
            def call(self, t, dim, max_period=10000):
                windows, (h_pad, w_pad) = window_partition(t, 4)
                low, high = ops.split(t, 2)
                if dim % 2 != 0 or h_pad > 1:
                    return windows
                if high:
                    return low
                return t
    """) == [("if high:", "error")]


def test_a_conditional_expression_on_an_input_is_reported():
    assert ll204("""
        class Layer(layers.Layer):
            def call(self, x, mask=None):
                y = -x if tf.reduce_any(x > 0) else x
                return y if mask is None else y * mask
    """) == [("y = -x if tf.reduce_any(x > 0) else x", "error")]


def test_augmented_and_unpacked_assignments_propagate():
    found = ll204("""
        class Layer(layers.Layer):
            def call(self, inputs):
                total = 0.0
                total += ops.sum(inputs)
                low, high = ops.split(inputs, 2)
                if total > 0 or high:
                    return low
                return inputs
    """)
    assert found == [("if total > 0 or high:", "error")]


def test_tf_keras_and_tf_function_calls_keep_conditions_but_not_prints():
    found = ll204("""
        class Legacy(tf_keras.layers.Layer):
            def call(self, x):
                if tf.reduce_sum(x) > 0:
                    print("positive", x)
                return x

        class Compiled(layers.Layer):
            @tf.function
            def call(self, x):
                if tf.reduce_sum(x) > 0:
                    return -x
                return x
    """)
    assert found == [('print("positive", x)', "warning")]


def test_print_severity_follows_what_is_printed():
    found = ll204("""
        class Layer(layers.Layer):
            def call(self, x):
                print("shape", x.shape, f"dtype {x.dtype}")
                print(f"value {ops.mean(x)}")
                self._log(x)
                return x

            def _log(self, y):
                print(y)
    """)
    assert found == [
        ('print("shape", x.shape, f"dtype {x.dtype}")', "information"),
        ('print(f"value {ops.mean(x)}")', "warning"),
        ("print(y)", "warning"),
    ]


def test_a_shadowed_print_is_not_pythons():
    assert ll204("""
        class Layer(layers.Layer):
            def call(self, x):
                print(x)
                return x
    """, HEADER + "from rich import print\n") == []


# --- the quick-fix -------------------------------------------------------------------------
def print_fixes(source: str) -> list[tuple[str, tuple[FixRequest, ...]]]:
    lines = source.splitlines()
    return [(lines[f.span.line - 1].strip(), f.fixes) for f in findings(source, CODES) if f.code == "LL204"]


def test_fix_is_offered_only_where_tf_print_means_the_same():
    source = HEADER + textwrap.dedent("""\
        class Layer(layers.Layer):
            def call(self, x):
                print("x", x, sep=": ", end="\\n")
                print(f"x {x}")
                print("x %s" % x)
                print("x", x, file=None)
                return x
        """)
    offered = [(line, len(fixes)) for line, fixes in print_fixes(source)]
    assert offered == [('print("x", x, sep=": ", end="\\n")', 1), ('print(f"x {x}")', 0),
                       ('print("x %s" % x)', 0), ('print("x", x, file=None)', 0)]


def test_fix_adds_tensorflow_when_missing_and_checks_its_position():
    source = textwrap.dedent("""\
        \"\"\"A module.\"\"\"
        from keras import layers


        class Layer(layers.Layer):
            def call(self, x):
                print(x)  # déjà
                return x
        """)
    ((_, (fix,)),) = print_fixes(source)
    fixed = apply_fix(source, fix)
    assert fixed.splitlines()[1:3] == ["from keras import layers", "import tensorflow as tf"]
    assert "        tf.print(x)  # déjà\n" in fixed
    ast.parse(fixed)
    with pytest.raises(FixError, match="no print"):
        apply_fix(source, parse_fix_request(fix.kind, {"call_sites": [[7, 1]]}, fix.title))


def test_a_project_on_keras_2_gets_the_tf_keras_verdicts():
    from layerlint.analysis import analyse
    from layerlint.config import Settings

    source = HEADER + textwrap.dedent("""\
        class Layer(keras.layers.Layer):
            def call(self, x):
                print(x)
                if ops.sum(x) > 0:
                    return -x
                return x
        """)

    def codes(version: str) -> list[tuple[str, str]]:
        result = analyse(source, settings=Settings(keras_version=version))
        return [(f.code, f.severity.value) for f in result.findings if f.code == "LL204"]

    assert codes("3.15.1") == [("LL204", "warning"), ("LL204", "error")]
    assert codes("2.15.0") == [("LL204", "warning")]  # Keras 2 converts call() with AutoGraph


def test_an_unknown_target_gets_the_keras_3_condition_as_information():
    # HEADER imports both `tf_keras` (a Keras 2 world) and `keras.ops` (Keras 3): the module's
    # own evidence disagrees, so the target is unknown.
    source = HEADER + textwrap.dedent("""\
        class Layer(keras.layers.Layer):
            def call(self, x):
                print(x)
                if ops.sum(x) > 0:
                    return -x
                return x
        """)
    found = [(f.severity.value, f.message) for f in findings(source, CODES) if f.code == "LL204"]
    assert [severity for severity, _ in found] == ["warning", "information"]
    assert found[1][1].startswith("On Keras 3: ")
    keras_3 = source.replace("import tf_keras\n", "")
    assert [f.severity.value for f in findings(keras_3, CODES)] == ["warning", "error"]


def test_backend_shape_and_dtype_functions_are_python_values():
    source = textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow.keras import backend as K

        class Layer(tf.keras.layers.Layer):
            def call(self, x):
                if K.int_shape(x)[-1] > 1 or K.dtype(x) == "float16" or K.ndim(x) == 3:
                    x = x * 2.0
                if tf.keras.backend.int_shape(x)[0] is None and tf.shape(x).shape[0] == 2:
                    x = x + 1.0
                if x.dtype == tf.float16:
                    x = tf.cast(x, tf.float32)
                print(tf.shape(x), type(x), K.int_shape(x))
                return x
        """)
    found = [(f.span.line, f.severity.value) for f in findings(source, CODES, "3") if f.code == "LL204"]
    assert found == [(12, "information")]


def test_a_dict_of_tensors_keys_are_python_values():
    """keras-cv's FeaturePyramid checks `sorted(features.keys()) != self.levels` in call()."""
    source = (
        "import keras\n\n\n"
        "class Pyramid(keras.layers.Layer):\n"
        "    def call(self, features):\n"
        "        if not isinstance(features, dict) or sorted(features.keys()) != self.levels:\n"
        "            raise ValueError('bad levels')\n"
        "        return features\n"
    )
    assert not [f for f in analyse(source).findings if f.code == "LL204"]


def test_a_print_that_inspects_type_or_shape_is_information():
    # tf-models' evaluator_test MockModel: `print(inputs, type(inputs))`.
    found = ll204("""
        class Layer(keras.layers.Layer):
            def call(self, inputs):
                print(inputs, type(inputs))
                print(inputs.shape, inputs)
                print(inputs)
                return inputs
        """)
    assert [severity for _, severity in found] == ["information", "information", "warning"]
