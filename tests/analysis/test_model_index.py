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
