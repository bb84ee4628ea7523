"""Evidence the reuse analysis attaches to a repeated call (analysis/reuse.py, flow.py): chains
through any operations, call modes, and loops that index their other layers per iteration."""

from __future__ import annotations

import textwrap

import pytest

from layerlint.analysis import analyse

HEADER = "import keras\nfrom keras import layers, ops\n\n\n"


def reuse(body: str) -> list[tuple[int, str, str]]:
    text = HEADER + textwrap.dedent(body)
    return [(f.span.line, f.code, f.severity.value) for f in analyse(text).findings
            if f.code < "LL2"]


@pytest.mark.parametrize("between", [
    "y = ops.transpose(y, (0, 2, 1))",  # an op
    "y = y * 2.0 + 1.0",  # arithmetic
    "y = self.other(y)",  # another layer
    "y = keras.ops.concatenate([y, y], axis=-1)[..., :8]",  # a list and a slice
    "y, _ = (y, None)",  # tuple unpacking
])
def test_a_chain_through_any_operation_is_a_warning(between):
    assert reuse(f"""
        class Block(layers.Layer):
            def __init__(self):
                super().__init__()
                self.dense = layers.Dense(8)
                self.other = layers.LayerNormalization()

            def call(self, x):
                y = self.dense(x)
                {between}
                return self.dense(y)
    """) == [(15, "LL103", "warning")]


def test_independent_inputs_stay_information():
    assert reuse("""
        class Twin(layers.Layer):
            def __init__(self):
                super().__init__()
                self.dense = layers.Dense(8)

            def call(self, a, b):
                return self.dense(a) + self.dense(b)
    """) == [(12, "LL103", "information")]


def test_one_layer_in_two_call_modes_is_not_a_chain():
    assert reuse("""
        class Tied(layers.Layer):
            def __init__(self):
                super().__init__()
                self.embedding = layers.Embedding(100, 8)

            def call(self, ids, training=False):
                hidden = self.embedding(ids, training=training)
                return self.embedding(hidden, reverse=True)
    """) == [(13, "LL103", "information")]


def test_a_loop_indexing_its_other_layers_makes_a_shared_norm_a_slip():
    assert reuse("""
        class Branches(layers.Layer):
            def __init__(self):
                super().__init__()
                self.projections = [layers.Dense(8) for _ in range(3)]
                self.norm = layers.BatchNormalization()

            def call(self, inputs):
                return [self.norm(self.projections[i](x)) for i, x in enumerate(inputs)]
    """) == [(13, "LL101", "warning")]


def test_one_head_over_independent_levels_stays_information_even_with_indexed_laterals():
    assert reuse("""
        class Pyramid(layers.Layer):
            def __init__(self):
                super().__init__()
                self.laterals = [layers.Conv2D(8, 1) for _ in range(3)]
                self.head = layers.Conv2D(4, 3, padding="same")

            def call(self, features):
                outputs = []
                for i in range(3):
                    outputs.append(self.head(self.laterals[i](features[i])))
                return outputs
    """) == [(15, "LL103", "information")]


def test_a_recurrent_cell_without_indexed_siblings_stays_silent():
    assert reuse("""
        class Unrolled(layers.Layer):
            def __init__(self):
                super().__init__()
                self.cell = layers.Dense(8)

            def call(self, x):
                for _ in range(3):
                    x = self.cell(x)
                return x
    """) == []
