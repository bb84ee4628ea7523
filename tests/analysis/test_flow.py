"""Execution-path facts (analysis/flow.py): guards, exclusivity, chains, loops."""

import ast

from layerlint.analysis.flow import (
    FlowWalker,
    Scope,
    Value,
    binds_layer_variable,
    condition_key,
    is_exclusive,
)
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


def _functional(body: str) -> tuple[bool, list]:
    """(binds_layer_variable, the occurrences the walker records) for functional code in which
    `Dense(...)` builds a layer."""
    statements = ast.parse(body).body

    def construction(node):
        built = (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == "Dense")
        return LayerSpec("builtin", "Dense") if built else None

    scope = Scope(lambda name: None, construction, lambda spec, value: Value(), {},
                  functional=True)
    return binds_layer_variable(statements, construction), FlowWalker(scope).walk_statements(statements)


BOUND_AND_CALLED = [
    "d = Dense(3)\ny = d(d(x))\n",
    "if flag:\n    d = Dense(3)\nelse:\n    pass\ny = d(x)\n",
    "if flag:\n    pass\nelse:\n    d: object = Dense(3)\ny = d(x)\n",
    "for i in range(3):\n    d = Dense(3)\n    x = d(x)\n",
    "while flag:\n    d = Dense(3)\n    x = d(x)\n",
    "try:\n    d = Dense(3)\nexcept ValueError:\n    pass\nx = d(x)\n",
    "try:\n    pass\nexcept ValueError:\n    d = Dense(3)\nx = d(x)\n",
    "try:\n    pass\nfinally:\n    d = Dense(3)\nx = d(x)\n",
    "with scope():\n    d = Dense(3)\n    x = d(x)\n",
    "match flag:\n    case 1:\n        d = Dense(3)\n        x = d(x)\n",
]
NO_LAYER_VARIABLE = [
    "y = Dense(3)(x)\ny = Dense(3)(y)\n",  # built and called at once
    "a, b = Dense(1), Dense(2)\ny = a(b(x))\n",  # a tuple target holds no layer
    "def inner():\n    d = Dense(3)\n    return d(d(x))\n",  # another scope
    "class Block:\n    d = Dense(3)\n",
    "layers = [Dense(3) for _ in range(2)]\ny = layers[0](x)\n",
    "y = (d := Dense(3))(x)\ny = d(y)\n",
    "d = make_layer()\ny = d(d(x))\n",
]


def test_functional_code_binds_a_layer_variable_wherever_the_walker_runs_it():
    for body in BOUND_AND_CALLED:
        binds, occurrences = _functional(body)
        assert binds and occurrences, body


def test_without_a_layer_variable_functional_code_records_no_call():
    """The condition `functional_reuse` skips the walk on: where it is false, the walk records
    nothing."""
    for body in NO_LAYER_VARIABLE:
        binds, occurrences = _functional(body)
        assert not binds and occurrences == [], body
