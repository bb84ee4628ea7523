"""A module's classes: their models, the framework each derives from (through local bases),
what they mention, and the classes that code mentioning a class depends on (the engine's
cache key, `dependency_key`)."""

from layerlint.analysis.class_resolution import (
    class_dependencies,
    dependency_key,
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


def test_code_depends_on_the_local_classes_its_classes_mention_transitively():
    context = module_context(split_blocks(SOURCE), None)
    assert class_dependencies({"Net"}, context) == {"Net", "Block", "Base"}
    # Head mentions no local class: edits of the others leave its key as it was.
    assert class_dependencies({"Head"}, context) == {"Head"}
    assert dependency_key({"Net"}, context) == (
        ("Base", "keras"), ("Block", "keras"), ("Net", "keras"), (), (), ())


def test_the_key_follows_a_framework_that_changes_through_a_local_base():
    blocks = split_blocks(SOURCE)
    before = dependency_key({"Net"}, module_context(blocks, None))
    changed = SOURCE.replace("class Base(keras.layers.Layer):", "class Base(nn.Module):")
    after = dependency_key({"Net"}, module_context(split_blocks(changed), None))
    assert before != after
    assert dict(after[:3])["Block"] == "torch"


def test_referenced_local_names_of_a_block():
    (block,) = split_blocks("y = Block()(Net()(x))\n")
    assert {"Net", "Block"} <= referenced_local_names(block, block.tree)


def test_the_names_of_a_tree_kept_under_a_new_text_are_not_found_again(monkeypatch):
    """An edit of a comment alone keeps the block's tree under its new text (`comment_edit`):
    the names the class mentions are its tree's, remembered on it, so the class is not walked
    again; another tree of the same text is read for itself."""
    import layerlint.analysis.class_resolution as class_resolution
    from layerlint.analysis.source import Block

    (block,) = split_blocks("class Net(Base):\n    def f(self):\n        return Block()\n")
    assert block.tree is not None
    statement = block.tree.body[0]
    first = referenced_local_names(block, statement)
    read: list[object] = []
    monkeypatch.setattr(class_resolution, "referenced_names",
                        lambda node: read.append(node) or {"other"})
    commented = Block(block.start_line, block.text.replace("Block()\n", "Block()  # note\n"),
                      block.tree)
    assert referenced_local_names(commented, statement) is first
    assert read == []
    (reparsed,) = split_blocks(commented.text + "\n")
    assert reparsed.tree is not None
    assert referenced_local_names(reparsed, reparsed.tree.body[0]) == {"other"}
    assert {"Base", "Block"} <= first
