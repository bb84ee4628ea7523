"""What a module does with its classes' instances, across top-level blocks and functions."""

from __future__ import annotations

from layerlint.analysis.instance_fates import block_summary, module_fates
from layerlint.analysis.source import split_blocks


def fates(text: str) -> dict[str, frozenset[str]]:
    blocks = split_blocks(text)
    return module_fates(block_summary(block.text, block.tree) for block in blocks if block.tree)


def test_module_code_is_one_scope_across_blocks():
    found = fates("layer = Scale()\n\nx = 1\n\nprint(layer.variables)\n\nother = Other()\nother(x)\n")
    assert found.get("Scale") == frozenset({"variables"})
    assert "Other" not in found  # only called


def test_names_hold_what_flows_into_them_and_functions_return_it():
    found = fates(
        "def build():\n"
        "    inputs = keras.Input((3,))\n"
        "    x = Block()(inputs)\n"
        "    return keras.Model(inputs, x)\n\n\n"
        "model = build()\n"
        "model.compile('sgd', 'mse')\n"
        "tf.train.Checkpoint(net=Head()).write('ckpt')\n"
    )
    assert found["Block"] == frozenset({"trained"})
    assert found["Head"] == frozenset({"saved"})


def test_rebinding_is_flow_insensitive_and_class_bodies_are_skipped():
    found = fates("class A:\n    def f(self):\n        self.m = Net()\n        self.m.fit()\n")
    assert "Net" not in found  # inside classes the rule follows sublayers through class models
