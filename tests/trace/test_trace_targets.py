"""Finding model classes with a cheap ast pass, and the outermost one to trace by default."""

from __future__ import annotations

from textwrap import dedent

from trace_test_support import MODELS

from layerlint.trace.targets import class_at, default_target, model_classes

SOURCE = dedent("""\
    import keras
    from torch import nn

    class Helper:
        pass

    class Block(keras.layers.Layer):
        pass

    @keras.saving.register_keras_serializable()
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()

    class TorchNet(nn.Module):
        pass

    class Deeper(Net):
        pass
    """)


def test_model_classes_by_framework_base_or_model_parent():
    found = model_classes(SOURCE)
    assert [item.name for item in found] == ["Block", "Net", "TorchNet", "Deeper"]
    net = found[1]
    assert (net.line, net.column) == (10, 1)  # the decorator's line: the lens goes above it


def test_default_target_is_the_last_class_no_other_model_uses():
    assert default_target(SOURCE) == "Deeper"
    assert default_target((MODELS / "nested_blocks.py").read_text()) == "Net"
    assert default_target("x = 1\n") is None
    assert default_target("class (:\n") is None


def test_class_at_a_line():
    assert class_at(SOURCE, 13) == "Net"
    assert class_at(SOURCE, 4) is None
