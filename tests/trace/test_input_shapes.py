"""Input-shape discovery from the source alone: comments, keras.Input, build(), a concrete
call, in that order, preferring what belongs to the traced class."""

from __future__ import annotations

from textwrap import dedent

from trace_test_support import EXAMPLE

from layerlint.trace.input_shapes import discover


def test_comment_above_the_class_wins_over_everything_else():
    source = dedent("""\
        import keras
        inputs = keras.Input(shape=(8,))

        # layerlint: input-shape=4,28,28,1
        class Net(keras.Model):
            def call(self, x):
                return x

        Net().build((None, 3))
        """)
    hint = discover(source, "Net")
    assert (hint.shape, hint.kind, hint.line) == ((4, 28, 28, 1), "comment", 5)


def test_comment_inside_another_class_does_not_apply():
    source = dedent("""\
        from keras import layers
        class A(layers.Layer):
            # layerlint: input-shape=1,2
            def call(self, x):
                return x
        class B(layers.Layer):
            def call(self, x):
                return x
        # layerlint: input-shape=(1, 5)
        """)
    assert discover(source, "A").shape == (1, 2)
    assert discover(source, "B").shape == (1, 5)


def test_keras_input_gets_a_batch_dimension_and_dtype():
    source = dedent("""\
        import keras
        inputs = keras.Input(shape=(32, 32, 3), batch_size=8, dtype="int32")
        """)
    hint = discover(source, None)
    assert (hint.shape, hint.kind, hint.dtype) == ((8, 32, 32, 3), "keras.Input", "int32")
    assert discover("from keras import Input\nx = Input((10,))\n").shape == (1, 10)


def test_input_shape_argument_of_a_first_layer():
    source = "from keras import layers\nfirst = layers.Dense(4, input_shape=(16,))\n"
    assert discover(source).shape == (1, 16)


def test_build_call_replaces_a_none_batch():
    source = dedent("""\
        import keras
        class Net(keras.Model):
            pass
        model = Net()
        model.build((None, 64, 64, 3))
        """)
    hint = discover(source, "Net")
    assert (hint.shape, hint.kind, hint.line) == ((1, 64, 64, 3), "build", 5)


def test_concrete_call_on_an_instance_of_the_class():
    hint = discover(EXAMPLE.read_text(encoding="utf-8"), "FeatureExtractor")
    assert (hint.shape, hint.kind) == ((1, 32, 32, 3), "call")
    torch_source = dedent("""\
        import torch
        from torch import nn
        class Net(nn.Module):
            pass
        print(Net()(torch.randn(2, 3, 8, 8)).shape)
        other = Other()
        other(torch.zeros(9, 9))
        """)
    assert discover(torch_source, "Net").shape == (2, 3, 8, 8)


def test_unknown_dimensions_and_missing_hints_give_none():
    assert discover("import keras\nx = keras.Input(shape=(None, 16))\n") is None
    assert discover("class Net:\n    pass\n", "Net") is None
    assert discover("def broken(:\n", "Net") is None
