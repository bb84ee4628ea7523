"""The `<name>.<attribute>` nodes of a class, per body statement: the nodes a walk of the whole
class finds, also for a class reparsed from an edit down (the statements above it keep what
they remembered)."""

from __future__ import annotations

import ast
import random

from layerlint.analysis import tree_memo
from layerlint.analysis.class_attributes import name_attributes
from layerlint.analysis.class_reparse import reparsed
from layerlint.syntax.scope_names import names_taken_in_class
from tests.analysis.test_class_reparse import CLASS, SNIPPETS, _fixture_classes, _shared


def _walked(class_node: ast.ClassDef) -> set[tuple[int, str]]:
    return {(id(node), node.value.id) for node in ast.walk(class_node)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)}


def _listed(class_node: ast.ClassDef) -> list[tuple[int, str]]:
    return [(id(node), name) for node, name in name_attributes(class_node)]


def test_every_attribute_of_a_name_once_as_a_walk_finds_it() -> None:
    decorated = "@register(keras.saving)\nclass Odd(base.Layer, metaclass=meta.Kind):\n" \
                "    x = other.value\n\n    def f(this):\n        return this.w + self.v\n"
    for text in (CLASS, decorated, *_fixture_classes()):
        node = ast.parse(text).body[0]
        assert isinstance(node, ast.ClassDef)
        listed = _listed(node)
        assert len(listed) == len(set(listed)) and set(listed) == _walked(node), text
        # The analysis' names a new attribute must avoid are the plain walk's.
        assert names_taken_in_class(node, ast.walk, name_attributes) == names_taken_in_class(node)


def test_a_reparsed_class_lists_its_new_nodes_and_its_kept_statements_remembered() -> None:
    rng = random.Random(7)
    classes = [CLASS, *_fixture_classes()]
    served = 0
    for _ in range(3000):
        old = rng.choice(classes)
        at = rng.randrange(len(old))
        new = old[:at] + rng.choice(SNIPPETS) + old[at:]
        old_tree = ast.parse(old)
        old_node = old_tree.body[0]
        assert isinstance(old_node, ast.ClassDef)
        _listed(old_node)  # remembered on the previous tree's statements
        found = reparsed(new, old, old_tree, _shared(old, new))
        if found is None or found[0] is None:
            continue
        node = found[0].body[0]
        assert isinstance(node, ast.ClassDef)
        assert set(_listed(node)) == _walked(node), new
        kept = [statement for statement in node.body if statement in old_node.body]
        assert all("name attributes" in tree_memo.memo(statement) for statement in kept)
        served += bool(kept)
    assert served > 150
