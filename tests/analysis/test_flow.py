"""Execution-path facts (analysis/flow.py): guards, exclusivity, chains, loops."""

import ast

from layerlint.analysis.flow import FlowWalker, Scope, Value, condition_key, is_exclusive
from layerlint.analysis.model_index import LayerSpec

LAYER = LayerSpec("builtin", "BatchNormalization")


LIST = LayerSpec("list", "list", elements=(LAYER,))


def walk(body: str, attributes=None):
    attributes = attributes or {"bn": LAYER, "other": LAYER}
    function = ast.parse(f"def call(self, x, flag=None):\n{body}").body[0]
    scope = Scope(
        resolve_attribute=attributes.get,
        resolve_construction=lambda node: None,
        output_channels=lambda spec, value: Value(),
        methods={},
    )
    return FlowWalker(scope).walk_function(function)


def test_condition_key_normalizes_negation_and_comparisons():
    assert condition_key(ast.parse("not self.norm_first", mode="eval").body) == (
        condition_key(ast.parse("self.norm_first", mode="eval").body)[0], False)
    is_none = condition_key(ast.parse("mask is None", mode="eval").body)
    is_not_none = condition_key(ast.parse("mask is not None", mode="eval").body)
    assert is_none[0] == is_not_none[0] and is_none[1] != is_not_none[1]


def test_if_else_arms_are_exclusive():
    first, second = walk("    if flag:\n        x = self.bn(x)\n    else:\n        x = self.bn(x)\n")
    assert is_exclusive(first, second)


def test_complementary_guards_are_exclusive():
    first, second = walk(
        "    if self.pre:\n        x = self.bn(x)\n    y = 1\n    if not self.pre:\n        x = self.bn(x)\n"
    )
    assert is_exclusive(first, second)


def test_early_return_makes_later_calls_exclusive():
    first, second = walk("    if flag:\n        return self.bn(x)\n    return self.bn(x)\n")
    assert is_exclusive(first, second)


def test_sequential_calls_form_a_chain():
    first, second = walk("    x = self.bn(x)\n    x = x + 1\n    return self.bn(x)\n")
    assert not is_exclusive(first, second)
    assert first.id in second.input.deps


def test_independent_streams_are_not_a_chain():
    first, second = walk("    a = self.bn(x)\n    b = self.bn(flag)\n    return a + b\n")
    assert first.id not in second.input.deps


def test_loop_feeding_its_own_output_is_a_loop_chain():
    (occurrence,) = walk("    for _ in range(3):\n        x = self.bn(x)\n    return x\n")
    assert occurrence.loops and occurrence.loop_chain


def test_iterating_a_layer_list_calls_each_layer_once():
    specs = {"bn": LAYER, "blocks": LIST}
    assert walk("    for layer in self.blocks:\n        x = layer(x)\n    return x\n", specs) == []
    assert walk("    for a, b in zip(self.blocks, self.blocks):\n        x = b(a(x))\n", specs) == []
    # The same loop calling one shared layer is a repeated call.
    (shared,) = walk("    for layer in self.blocks:\n        x = self.bn(layer(x))\n", specs)
    assert shared.loops
