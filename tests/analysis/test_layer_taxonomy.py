"""What a layer is for the reuse rules: its category (through what a custom layer owns and the
built-in layers it derives from), and the channel counts the flow walker proves clashes with."""

import ast

from layerlint.analysis.class_resolution import module_context
from layerlint.analysis.flow import Value
from layerlint.analysis.layer_taxonomy import (
    layer_attributes,
    layer_category,
    layer_output,
    produced_value,
)
from layerlint.analysis.model_index import LayerSpec, construction_spec
from layerlint.analysis.source import split_blocks

SOURCE = (
    "import keras\n"
    "from torch import nn\n\n\n"
    "class NormBlock(keras.layers.Layer):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.conv = keras.layers.Conv2D(8, 3)\n"
    "        self.bn = keras.layers.BatchNormalization()\n\n\n"
    "class Deeper(NormBlock):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.drop = keras.layers.Dropout(0.1)\n\n\n"
    "class DenseBlock(keras.layers.Layer):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.dense = keras.layers.Dense(4)\n\n\n"
    "class Scale(keras.layers.Layer):\n"
    "    def build(self, shape):\n"
    "        self.w = self.add_weight(shape=(1,))\n\n\n"
    "class Nothing(keras.layers.Layer):\n"
    "    pass\n\n\n"
    "class BatchNormAct(nn.BatchNorm2d):\n"
    "    pass\n"
)
CONTEXT = module_context(split_blocks(SOURCE), None)


def _spec(expression: str) -> LayerSpec:
    node = ast.parse(expression, mode="eval").body
    spec = construction_spec(node, CONTEXT.imports, set(CONTEXT.classes), None)
    assert spec is not None, expression
    return spec


def test_built_in_layers_by_what_they_hold():
    assert layer_category(_spec("keras.layers.BatchNormalization()"), CONTEXT) == "stateful"
    assert layer_category(_spec("keras.layers.Dense(3)"), CONTEXT) == "weighted"
    assert layer_category(_spec("keras.layers.Dropout(0.5)"), CONTEXT) == "random"
    assert layer_category(_spec("keras.layers.ReLU()"), CONTEXT) == "stateless"


def test_a_custom_layer_takes_the_strongest_category_of_what_it_owns_or_inherits():
    assert layer_category(_spec("NormBlock()"), CONTEXT) == "stateful"
    assert layer_category(_spec("Deeper()"), CONTEXT) == "stateful"
    assert layer_category(_spec("DenseBlock()"), CONTEXT) == "weighted"
    assert layer_category(_spec("Scale()"), CONTEXT) == "weighted"
    assert layer_category(_spec("Nothing()"), CONTEXT) is None
    assert layer_category(_spec("BatchNormAct()"), CONTEXT) == "stateful"


def test_inherited_attributes_join_the_class_own():
    assert set(layer_attributes(CONTEXT.classes["Deeper"], CONTEXT)) == {"conv", "bn", "drop"}


def test_channels_flow_through_inputs_and_layers():
    call = ast.parse("keras.Input(shape=(16, 16, 3))", mode="eval").body
    assert produced_value(call, CONTEXT).channels == 3
    assert produced_value(ast.parse("keras.Input(shape=(None,))", mode="eval").body, CONTEXT) is None
    three = Value(channels=3, source="input")
    assert layer_output(_spec("keras.layers.Conv2D(8, 3)"), three).channels == 8
    assert layer_output(_spec("keras.layers.BatchNormalization()"), three).channels == 3
    assert layer_output(_spec("NormBlock()"), three).channels is None
