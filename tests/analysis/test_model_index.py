"""The model index: layer attributes of a class, lists of layers included."""

from __future__ import annotations

import ast
import textwrap

from layerlint.analysis.imports import collect_imports
from layerlint.analysis.model_index import build_class_model


def _attributes(source: str) -> dict[str, list[tuple[str, tuple[str, ...], int]]]:
    module = ast.parse(textwrap.dedent(source))
    classes = [node for node in module.body if isinstance(node, ast.ClassDef)]
    model = build_class_model(classes[-1], collect_imports(module.body), set(), "3")
    return {
        name: [(d.spec.kind, tuple(e.class_name for e in d.spec.elements), d.statement.lineno)
               for d in definitions]
        for name, definitions in model.attributes.items()
    }


def test_a_local_list_filled_in_a_loop_is_a_list_of_layers() -> None:
    attributes = _attributes("""
        from keras import layers

        class Block(layers.Layer):
            def __init__(self):
                super().__init__()
                blocks = []
                for _ in range(3):
                    blocks.append(layers.BatchNormalization())
                self.blocks = blocks
    """)
    assert attributes == {"blocks": [("list", ("BatchNormalization",), 10)]}


def test_literal_lists_and_appends_to_the_attribute() -> None:
    attributes = _attributes("""
        from keras import layers

        class Block(layers.Layer):
            def build(self, shape):
                self.norms = [layers.BatchNormalization(), layers.Dropout(0.1)]
                self.extra = []
                self.extra.append(layers.Dense(4))
                self.other = [1, 2]
    """)
    assert attributes == {
        "norms": [("list", ("BatchNormalization", "Dropout"), 6)],
        "extra": [("list", ("Dense",), 8)],
    }


def test_an_append_to_a_list_a_base_class_made_is_a_definition_of_its_own() -> None:
    attributes = _attributes("""
        from keras import layers

        class Base(layers.Layer):
            pass

        class Block(Base):
            def build(self, shape):
                self.blocks.append(layers.Dense(4))
                blocks = [layers.Dropout(0.1)]
                self.more = blocks
    """)
    assert attributes == {
        "blocks": [("list", ("Dense",), 9)],
        "more": [("list", ("Dropout",), 11)],
    }


def test_a_model_rebuilt_after_an_edit_is_the_model_built_from_scratch() -> None:
    """Random edits of classes (reparsed from the edit down, as a document's keystroke is):
    where the model of the previous tree can be rebuilt (`rebuilt_class_model`), it equals,
    field by field and in the order of its assigned attributes, the model built anew; edits
    of a construction method, the bases or the method names are never rebuilt."""
    import random

    from layerlint.analysis.class_reparse import reparsed
    from layerlint.analysis.model_index import rebuilt_class_model
    from tests.analysis.test_class_reparse import CLASS, SNIPPETS, _fixture_classes, _shared

    imports = collect_imports(ast.parse(
        "import keras\nfrom keras import layers, ops\nimport torch\nfrom torch import nn\n").body)
    rng = random.Random(12)
    classes = [CLASS, *_fixture_classes()]
    rebuilt_count = refused = 0
    for _ in range(3000):
        old = rng.choice(classes)
        at = rng.randrange(len(old))
        new = old[:at] + rng.choice(SNIPPETS) + old[at:]
        old_tree = ast.parse(old)
        found = reparsed(new, old, old_tree, _shared(old, new))
        if found is None or found[0] is None:
            continue
        old_node, node = old_tree.body[0], found[0].body[0]
        assert isinstance(old_node, ast.ClassDef) and isinstance(node, ast.ClassDef)
        previous = build_class_model(old_node, imports, set(), "3")
        rebuilt = rebuilt_class_model(previous, node)
        if rebuilt is None:
            refused += 1
            continue
        rebuilt_count += 1
        fresh = build_class_model(node, imports, set(), "3")
        assert rebuilt == fresh, new
        assert list(rebuilt.other_attributes) == list(fresh.other_attributes)
        assert rebuilt.attributes is not previous.attributes
    assert rebuilt_count > 150 and refused > 10


def test_a_class_mended_after_its_model_is_gone_is_rebuilt_from_the_note() -> None:
    """While a class is broken its last model may be gone; the note on its `__init__`
    (`remember_model`) keeps what a rebuild reads without keeping the old class tree alive, so
    the class mended by an edit of `call()` gets the model built anew, and one whose `__init__`
    or inputs changed gets none."""
    import gc
    import weakref

    from layerlint.analysis.class_reparse import reparsed
    from layerlint.analysis.model_index import remember_model, remembered_model
    from tests.analysis.test_class_reparse import CLASS, _shared

    imports = collect_imports(ast.parse("import keras\nfrom keras import layers, ops\n").body)
    old_tree = ast.parse(CLASS)
    old_node = old_tree.body[0]
    assert isinstance(old_node, ast.ClassDef)
    inputs = ("imports", frozenset(), (), "3")
    remember_model(build_class_model(old_node, imports, set(), "3"), inputs)
    mended = CLASS.replace("return ops.relu(x + inputs)", "y = self.norm(x)\n        return y")
    found = reparsed(mended, CLASS, old_tree, _shared(CLASS, mended))
    assert found is not None and found[0] is not None
    node = found[0].body[0]
    assert isinstance(node, ast.ClassDef)
    gone = weakref.ref(old_node)
    del old_tree, old_node, found
    gc.collect()
    assert gone() is None  # the note holds no old class tree (nor its model)
    rebuilt = remembered_model(node, inputs)
    assert rebuilt is not None and rebuilt == build_class_model(node, imports, set(), "3")
    assert remembered_model(node, ("other imports", frozenset(), (), "3")) is None
    in_init = CLASS.replace('padding="same")', 'padding="valid")')
    tree = ast.parse(CLASS)
    remember_model(build_class_model(tree.body[0], imports, set(), "3"), inputs)
    found = reparsed(in_init, CLASS, tree, _shared(CLASS, in_init))
    assert found is not None and found[0] is not None
    assert remembered_model(found[0].body[0], inputs) is None
