"""A module's classes: their models, the framework each derives from (through local bases),
what they mention, and the fingerprint that makes cached findings go stale."""

from layerlint.analysis.class_resolution import (
    dependency_fingerprint,
    module_context,
    referenced_local_names,
)
from layerlint.analysis.source import split_blocks

SOURCE = (
    "import keras\n"
    "from torch import nn\n\n\n"
    "class Base(keras.layers.Layer):\n"
    "    pass\n\n\n"
    "class Block(Base):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.bn = keras.layers.BatchNormalization()\n\n\n"
    "class Net(keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.block = Block()\n\n\n"
    "class Head(nn.Module):\n"
    "    pass\n\n\n"
    "class Plain:\n"
    "    pass\n"
)


def test_frameworks_are_resolved_through_local_bases():
    context = module_context(split_blocks(SOURCE), None)
    assert context.frameworks == {"Base": "keras", "Block": "keras", "Net": "keras",
                                  "Head": "torch", "Plain": None}
    assert set(context.class_blocks) == set(context.classes)


def test_a_class_is_keyed_on_the_local_classes_it_mentions_only():
    context = module_context(split_blocks(SOURCE), None)
    assert context.references["Net"] == {"Block"}
    assert context.references["Block"] == {"Base"}
    assert context.references["Plain"] == frozenset()


def test_each_definition_of_a_name_keeps_its_own_framework():
    source = "import keras\n\n\nclass A(keras.layers.Layer):\n    pass\n\n\nclass A:\n    pass\n"
    context = module_context(split_blocks(source), None)
    assert [framework for _, framework in context.definitions.values()] == ["keras", None]
    assert context.frameworks["A"] is None


def test_the_fingerprint_changes_when_a_class_the_code_depends_on_changes():
    blocks = split_blocks(SOURCE)
    before = dependency_fingerprint({"Net"}, {"Net"}, module_context(blocks, None))
    changed = SOURCE.replace("self.bn = keras.layers.BatchNormalization()",
                             "self.bn = keras.layers.LayerNormalization()")
    after = dependency_fingerprint({"Net"}, {"Net"}, module_context(split_blocks(changed), None))
    assert before != after
    # Head depends on nothing local: its fingerprint ignores edits to Block.
    assert (dependency_fingerprint({"Head"}, {"Head"}, module_context(blocks, None))
            == dependency_fingerprint({"Head"}, {"Head"}, module_context(split_blocks(changed), None)))


def test_referenced_local_names_of_a_block():
    (block,) = split_blocks("y = Block()(Net()(x))\n")
    assert {"Net", "Block"} <= referenced_local_names(block, block.tree)
