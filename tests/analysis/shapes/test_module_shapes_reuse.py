"""Keystrokes in a class that does not parse leave every parsed statement where it was: the
module's shapes are those of the version before, without a new inference, and a retired block's
statements are not kept. So do keys that leave only a half-typed name in a script's own code
(`syntax.bare_names`)."""

import gc
import weakref

from document_shapes import BLOCK, HEADER, MODEL, fresh_shapes_of, shapes_of

from layerlint.analysis import document_state
from layerlint.analysis.engine import analyse
from layerlint.analysis.shapes import infer
from layerlint.analysis.shapes import module_shapes as module_shapes_module

TEXT = HEADER + BLOCK + MODEL


def _count_inferences(monkeypatch) -> list[int]:
    """A list that grows by one at each inference `module_shapes` runs (until `undo`)."""
    runs: list[int] = []
    original = infer.infer_module
    monkeypatch.setattr(module_shapes_module, "infer_module",
                        lambda *args, **kwargs: runs.append(1) or original(*args, **kwargs))
    return runs


def test_keys_typed_into_a_broken_class_reuse_the_shapes(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    broken = TEXT.replace("return self.dense(x)", "y = self.dense(\n        return self.dense(x)")
    shapes_of(TEXT, path)
    first = shapes_of(broken, path)
    runs = _count_inferences(monkeypatch)
    typed = broken.replace("self.dense(\n", "self.dense(x\n")
    assert shapes_of(typed, path) is first
    assert runs == []
    assert shapes_of(typed.replace("self.dense(x\n", "self.dense(x, \n"), path) is first
    assert runs == []
    monkeypatch.undo()
    assert first == fresh_shapes_of(typed, str(tmp_path / "b.py"))


SCRIPT = HEADER + MODEL.replace("Block()(inputs)", "layers.Dense(8)(inputs)") + """

model = build_model()
"""
"""A script of its own blocks: a document of another test that shares a block's text would
share its parse too (`source.remember_parse`)."""


def test_keys_that_leave_only_a_name_in_the_script_reuse_the_shapes(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    opened = SCRIPT + "\n"
    shapes_of(opened, path)  # the new line typed: every statement at its place
    runs = _count_inferences(monkeypatch)
    states = [opened + typed for typed in ("m", "model", "model.", "model.fi", "model.fit",
                                           "model.fit(", "model.fit()")]
    found = [shapes_of(text, path) for text in states]
    assert runs == [1]  # only `model.fit()`, a call, is inferred again
    assert all(shapes is found[0] for shapes in found[:-1])
    monkeypatch.undo()
    for text, shapes in zip(states, found):
        assert shapes == fresh_shapes_of(text, str(tmp_path / "b.py"))


def test_a_line_opened_above_statements_moves_their_shapes(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    script = HEADER + MODEL.replace("Block()(inputs)", "layers.Dense(8)(inputs)") + """

x = keras.Input(shape=(6,))
y = layers.Dense(3)(x)


def head(t):
    return layers.Dense(2)(t)


z = head(y)
"""
    before = shapes_of(script, path)
    runs = _count_inferences(monkeypatch)
    opened = script.replace("y = layers.Dense(3)(x)\n", "y = layers.Dense(3)(x)\n\n\n")
    with document_state.retiring_later():  # as the server analyses: the old block retires after
        moved = shapes_of(opened, path)
    assert runs == []  # the statements below moved down two lines: their shapes with them
    monkeypatch.undo()
    assert moved == fresh_shapes_of(opened, str(tmp_path / "b.py"))
    assert moved != before  # the calls of `head` and `z` are on other lines now


def test_a_shape_comment_is_read_again(tmp_path):
    path = str(tmp_path / "a.py")
    commented = TEXT.replace("class Block(", "# layerlint: input-shape=(4, 20)\nclass Block(")
    broken = commented.replace("return self.dense(x)", "y = (\n        return self.dense(x)")
    shapes = shapes_of(broken, path)
    assert module_shapes_module._cache[-1][3] is shapes
    assert module_shapes_module._cache[-1][4] is None  # no statements kept to reuse


def test_the_statements_of_a_retired_block_are_let_go(tmp_path):
    path = str(tmp_path / "a.py")
    analyse(TEXT, path=path)
    block = next(block for block in document_state._documents[path].blocks
                 if block.text.startswith("class Block"))
    assert block.tree is not None
    statement = weakref.ref(block.tree.body[0])
    assert any(entry[4] and any(kept is statement() for kept, _ in entry[4])
               for entry in module_shapes_module._cache)
    del block
    analyse(TEXT.replace("Dense(8)", "Dense(16)"), path=path)
    gc.collect()
    assert statement() is None
