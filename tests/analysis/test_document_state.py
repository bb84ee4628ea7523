"""The incremental split: after any sequence of edits, the blocks equal a whole split."""

import random

import pytest

from layerlint.analysis import document_state
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
