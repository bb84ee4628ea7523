"""The incremental split: after any sequence of edits, the blocks equal a whole split."""

import ast
import random

import pytest

from layerlint.analysis import document_state, source
from layerlint.analysis.document_state import common_prefix, common_suffix, document_blocks
from layerlint.analysis.source import split_blocks

BASE = '''"""Module docstring."""

import keras
from keras import layers


class Block(keras.layers.Layer):
    """A block.

    Example:
class NotAClass:
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bn = layers.BatchNormalization()

    def call(self, x):
        return self.bn(self.bn(x))


@keras.saving.register_keras_serializable()
class Other(keras.layers.Layer):
    def call(self, x):
        values = [
1, 2, 3]
        return x


def build():
    inputs = keras.Input((8, 8, 3))
    return keras.Model(inputs, Block()(inputs))


model = build()
model.save("m.keras")
'''

# Snippets people type or paste, many of them breaking the code on their own.
SNIPPETS = ["(", ")", "\n", "\n\n", "x", "@", "@decorator\n", "class New:\n    pass\n", '"""',
            "'''", "def f(:\n", "    ", "#", "# comment\n", "[", "]", "\nimport os\n",
            "else:\n", "    return x\n", "\\\n", "if x:\n", "\t"]


def _line_starts(text):
    starts = [0]
    starts.extend(index + 1 for index, char in enumerate(text) if char == "\n")
    return starts


def _random_edit(rng, text):
    position = rng.randrange(len(text) + 1)
    if rng.random() < 0.3 and text:  # snap to a line start: block boundaries live there
        position = rng.choice(_line_starts(text))
    action = rng.random()
    if action < 0.5:
        return text[:position] + rng.choice(SNIPPETS) + text[position:]
    if action < 0.8:
        end = min(len(text), position + rng.choice([1, 2, 5, 20, 200]))
        return text[:position] + text[end:]
    # move a chunk (cut and paste elsewhere)
    end = min(len(text), position + rng.randrange(1, 300))
    chunk, rest = text[position:end], text[:position] + text[end:]
    target = rng.randrange(len(rest) + 1)
    return rest[:target] + chunk + rest[target:]


def _shape(blocks):
    return [(block.start_line, block.text, block.tree is None, block.error) for block in blocks]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(12))
def test_random_edit_sequences_split_like_a_whole_split(seed):
    rng = random.Random(seed)
    key = f"/tmp/document_state_{seed}.py"
    document_state.forget_document(key)
    text = BASE * rng.choice([1, 3])
    document_blocks(text, key)
    for _ in range(120):
        text = _random_edit(rng, text)
        if rng.random() < 0.1:
            text = BASE  # back to a clean state now and then
        assert _shape(document_blocks(text, key)) == _shape(split_blocks(text))


# keras-io's examples: sections are column-0 strings between the code.
SECTIONED = '''"""
Title: A sectioned example
"""

"""
## Setup
"""

import keras
import numpy as np

# Sizes of the model and data.
SIZE = 3
DEPTH = 2
WIDTH = 4
SEED = 1
RATE = 0.1

"""
## The model
"""


class Block(keras.layers.Layer):
    """A block."""

    def call(self, x):
        return x


"""
## Training
"""

model = keras.Sequential([Block()])
'''


def test_a_section_string_left_open_splits_like_a_whole_split():
    """Its closing quotes shortened to one: the string the section opens now ends at the next
    section's quotes, and every section below it pairs its quotes the other way round. The
    last broken block of the re-split region (the one-quote string left behind) is not the
    triple-quoted one, and more than enough blocks follow it: the whole text must be split
    again all the same."""
    key = "/tmp/document_state_sectioned.py"
    document_state.forget_document(key)
    document_blocks(SECTIONED, key)
    edited = SECTIONED.replace('## Setup\n"""', '## Setup\n"', 1)
    assert any(block.error and "triple-quoted" in block.error[0]
               for block in split_blocks(edited))
    assert _shape(document_blocks(edited, key)) == _shape(split_blocks(edited))
    assert _shape(document_blocks(SECTIONED, key)) == _shape(split_blocks(SECTIONED))


TYPED_CLASS = '''import keras
from keras import layers, ops


class Typed(keras.layers.Layer):
    """Typed into."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bn = layers.BatchNormalization()

    @property
    def width(self):
        return 2

    def call(self, x):
        x = self.bn(x)
        return ops.relu(x)


'''


def _parses_of(blocks):
    """Each block's tree (positions included) or syntax error, and a whole parse's."""
    return [(None if block.tree is None else ast.dump(block.tree, include_attributes=True),
             block.error) for block in blocks]


def _whole_parses(blocks):
    found = [source._parsed(block.text) for block in blocks]
    return [(None if tree is None else ast.dump(tree, include_attributes=True), error)
            for tree, error in found]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(6))
def test_typing_inside_a_method_parses_each_version_as_a_whole_parse(seed):
    """Keys typed into a method (the edited class reuses its previous tree, or its last tree
    that parsed while the keys break it: `class_reparse`), with random edits in between."""
    rng = random.Random(seed)
    key = f"/tmp/document_state_typing_{seed}.py"
    document_state.forget_document(key)
    start = TYPED_CLASS + BASE
    text = start
    document_blocks(text, key)
    statement = "\n        y = self.bn(x, training=(x + 1)) * [2, 3][0]"
    for _ in range(8):
        position = text.index("\n        return ops.relu(x)")  # the end of the line above
        for key_typed in statement[:rng.randrange(len(statement) + 1)]:
            text = text[:position] + key_typed + text[position:]
            position += 1
            blocks = document_blocks(text, key)
            assert _shape(blocks) == _shape(split_blocks(text))
            assert _parses_of(blocks) == _whole_parses(blocks)
        if rng.random() < 0.5:
            text = _random_edit(rng, text)
            if "return ops.relu(x)" not in text:
                text = start
            blocks = document_blocks(text, key)
            assert _parses_of(blocks) == _whole_parses(blocks)


@pytest.mark.parametrize("typed", ["x", "(", "\n        y = ("])
def test_a_key_typed_in_a_class_changes_that_block_only(typed):
    """The re-split margin, and the blocks a syntax error makes it reach, come back as they
    were: they stay the previous objects, and the change spans the typed class alone."""
    key = "/tmp/document_state_one_block.py"
    document_state.forget_document(key)
    text = TYPED_CLASS + BASE
    before = document_blocks(text, key)
    position = text.index("\n        return ops.relu(x)")
    edited = text[:position] + typed + text[position:]
    after = document_blocks(edited, key)
    assert _shape(after) == _shape(split_blocks(edited))
    index = next(i for i, block in enumerate(after) if block.text.startswith("class Typed"))
    change = after.change
    assert (change.first, change.old_end, change.new_end) == (index, index + 1, index + 1)
    assert change.line_delta == typed.count("\n")
    assert all(new is old for new, old in zip(after[:index], before[:index]))
    assert all(new.text is old.text and new.tree is old.tree
               for new, old in zip(after[index + 1:], before[index + 1:]))


def _typed(text: str, at: int, keys: str, key: str) -> tuple[str, list]:
    """Each key typed at `at` in turn, each version split as the document `key`."""
    versions = []
    for character in keys:
        text = text[:at] + character + text[at:]
        at += 1
        versions.append(document_blocks(text, key))
    return text, versions


def test_a_class_that_parses_again_after_edits_of_it_alone_links_the_version_before_the_break():
    """The keys that keep a class broken change that block alone; where it parses again, its
    change also says how the text changed since the last version in which it parsed (that
    version's memo, the lines moved since), and only then."""
    key = "/tmp/document_state_since_parsed.py"
    document_state.forget_document(key)
    text = TYPED_CLASS + BASE
    parsed = document_blocks(text, key)
    at = text.index("\n        return ops.relu(x)")
    index = next(i for i, block in enumerate(parsed) if block.text.startswith("class Typed"))
    text, (*_, before) = _typed(text, at, "\n        y = ops.relu", key)
    assert before[index].tree is not None
    text, versions = _typed(text, at + len("\n        y = ops.relu"), "(\n            x", key)
    assert all(version[index].tree is None and version.change.since_parsed is None
               for version in versions)
    text, (mended,) = _typed(text, at + len("\n        y = ops.relu(\n            x"), ")", key)
    since = mended.change.since_parsed
    assert since is not None and since.previous is before.memo
    assert (since.first, since.old_end, since.new_end, since.line_delta) == (
        index, index + 1, index + 1, 1)
    assert mended.change.previous is versions[-1].memo  # the change itself is as before
    # Broken again, and another block edited meanwhile: nothing links past that edit.
    at = text.index("\n        return ops.relu(x)")
    text, _ = _typed(text, at, "\n        z = (", key)
    other = text.index("def build():") + len("def build():")
    text, _ = _typed(text, other, "\n    pass", key)
    text, (mended,) = _typed(text, at + len("\n        z = ("), ")", key)
    assert mended[index].tree is not None and mended.change.since_parsed is None
    assert _shape(mended) == _shape(split_blocks(text))


def test_unchanged_blocks_are_reused_and_moved():
    key = "/tmp/document_state_reuse.py"
    document_state.forget_document(key)
    before = document_blocks(BASE, key)
    edited = BASE.replace("def build():", "def build():\n    pass\n")
    after = document_blocks(edited, key)
    assert _shape(after) == _shape(split_blocks(edited))
    assert after[0] is before[0]  # above the edit: the same object
    assert after[-1].text is before[-1].text  # below: the same text, moved two lines
    assert after[-1].start_line == before[-1].start_line + 2


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(6))
def test_change_span_holds_only_the_changed_blocks(seed):
    """Outside the span the previous version's blocks (those below moved by `line_delta`); at
    its ends blocks whose text changed, so the module passes read no unchanged block."""
    rng = random.Random(seed)
    key = f"/tmp/document_state_span_{seed}.py"
    document_state.forget_document(key)
    text = BASE * 3
    old = document_blocks(text, key)
    for _ in range(80):
        text = _random_edit(rng, text)
        new = document_blocks(text, key)
        change = new.change
        if change is not None:
            first, old_end, new_end = change.first, change.old_end, change.new_end
            assert all(a is b for a, b in zip(new[:first], old[:first]))
            assert len(new) - new_end == len(old) - old_end
            for moved, was in zip(new[new_end:], old[old_end:]):
                assert moved.text is was.text and moved.tree is was.tree
                assert moved.start_line == was.start_line + change.line_delta
            if first < old_end and first < new_end:
                assert new[first].text != old[first].text
                assert new[new_end - 1].text != old[old_end - 1].text
        old = new


def test_a_comment_changes_one_block():
    key = "/tmp/document_state_comment.py"
    document_state.forget_document(key)
    before = document_blocks(BASE, key)
    after = document_blocks(BASE.replace("return self.bn(self.bn(x))",
                                         "return self.bn(self.bn(x))  # reviewed"), key)
    changed = [index for index, block in enumerate(before) if "self.bn(self.bn(x))" in block.text]
    assert (after.change.first, after.change.old_end, after.change.new_end) == (
        changed[0], changed[0] + 1, changed[0] + 1)
    assert all(a is b for index, (a, b) in enumerate(zip(after, before)) if index != changed[0])


@pytest.mark.parametrize(("old", "new"), [
    ("", ""), ("abc", "abc"), ("abc", "abd"), ("abc", "xbc"), ("a" * 10000, "a" * 9999 + "b"),
    ("a" * 5000 + "x" + "a" * 5000, "a" * 5000 + "a" * 5000), ("abc", ""), ("ab", "abab"),
])
def test_common_prefix_and_suffix(old, new):
    prefix = common_prefix(old, new)
    assert old[:prefix] == new[:prefix]
    assert prefix == min(len(old), len(new)) or old[prefix] != new[prefix]
    limit = min(len(old), len(new)) - prefix
    suffix = common_suffix(old, new, limit)
    assert suffix <= limit
    assert old[len(old) - suffix:] == new[len(new) - suffix:]
    assert suffix == limit or old[len(old) - suffix - 1] != new[len(new) - suffix - 1]
