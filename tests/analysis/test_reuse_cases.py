"""The flow walker wired to classes and functions: which layer calls become reuse cases."""

import ast

from layerlint.analysis.class_resolution import module_context
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.reuse_cases import class_reuse, functional_reuse
from layerlint.analysis.source import split_blocks

CLASS = (
    "import keras\n\n\n"
    "class Net(keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.conv = keras.layers.Conv2D(16, 3)\n"
    "        self.bn = keras.layers.BatchNormalization()\n"
    "        self.unused_bn = keras.layers.BatchNormalization()\n\n"
    "    def call(self, x):\n"
    "        return self.bn(self.conv(self.bn(x)))\n"
)
FUNCTIONAL = (
    "import keras\n\n\n"
    "def build():\n"
    "    inputs = keras.Input(shape=(8, 8, 3))\n"
    "    bn = keras.layers.BatchNormalization()\n"
    "    x = bn(inputs)\n"
    "    x = keras.layers.Conv2D(16, 3)(x)\n"
    "    return bn(x)\n"
)


def _context(source: str):
    return module_context(split_blocks(source), None)


def _facts(source: str, context) -> BlockFacts:
    return BlockFacts(source, context.imports, None, local_classes=context.classes)


def test_a_forward_method_calling_a_layer_twice_is_one_case_with_its_evidence():
    context = _context(CLASS)
    (case,) = class_reuse(context.classes["Net"], context, "keras")
    assert (case.ref.name, case.category, case.chain) == ("bn", "stateful", True)
    # The second call gets the convolution's 16 channels; call()'s input has none known.
    assert case.channels[0] == 16 and case.first_channels is None and not case.proven_mismatch
    assert case.unused_siblings == ("unused_bn",)


def test_a_class_without_a_forward_method_has_no_cases():
    context = _context(CLASS.replace("def call(", "def helper("))
    assert class_reuse(context.classes["Net"], context, "keras") == []


def test_a_function_body_is_walked_as_functional_code_and_records_the_variable():
    context = _context(FUNCTIONAL)
    function = next(node for node in ast.parse(FUNCTIONAL).body if isinstance(node, ast.FunctionDef))
    facts = _facts(FUNCTIONAL, context)
    (case,) = functional_reuse(function, facts, context)
    assert case.category == "stateful" and case.proven_mismatch
    ((statement, function_name, _, _),) = facts.variable_definitions.values()
    assert function_name == "build" and isinstance(statement, ast.Assign)


def test_a_whole_model_called_on_independent_inputs_is_not_a_case():
    source = CLASS + (
        "\n\ndef predict(a, b):\n"
        "    net = Net()\n"
        "    return net(a), net(b)\n"
    )
    context = _context(source)
    function = ast.parse(source).body[-1]
    assert functional_reuse(function, _facts(source, context), context) == []
