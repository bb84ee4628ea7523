"""Static shapes per keystroke: definitions whose text and dependencies did not change are
replayed, moved to where they now sit, never interpreted again; the shapes are always those of
an inference from scratch."""

import pytest
from document_shapes import BLOCK, HEADER, MODEL, fresh_shapes_of, shapes_of

from layerlint.analysis.shapes import infer

UNRELATED = '''

class Unrelated(keras.layers.Layer):
    def call(self, x):
        return x
'''


SEQUENTIAL = '''

def build_sequential():
    model = keras.Sequential([
        layers.Input((28, 28)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
    ])
    return model
'''

PASTE = '''

def pasted_helper(width=16):
    return keras.Sequential([layers.Input((width,)), layers.Dense(width)])
'''


@pytest.fixture
def interpreted(monkeypatch):
    """The names of the functions the interpreter runs (rather than replays)."""
    names = []
    original = infer.Interpreter._call_function

    def counting(self, function, *args, **kwargs):
        names.append(function.name)
        return original(self, function, *args, **kwargs)

    monkeypatch.setattr(infer.Interpreter, "_call_function", counting)
    return names


def _lines_of(shapes):
    return sorted((call.line, call.layer, call.output_text) for call in shapes.calls)


def test_a_paste_above_a_model_moves_its_shapes_without_interpreting_it(tmp_path, interpreted):
    path = str(tmp_path / "a.py")
    before = HEADER + BLOCK + MODEL + SEQUENTIAL
    first = shapes_of(before, path)
    assert first.errors and first.calls
    interpreted.clear()
    after = HEADER + PASTE + BLOCK + MODEL + SEQUENTIAL
    moved = shapes_of(after, path)
    assert interpreted == ["pasted_helper"]
    shift = PASTE.count("\n")
    pasted_lines = range(HEADER.count("\n") + 1, HEADER.count("\n") + shift + 1)
    assert [(line + shift, layer, shape) for line, layer, shape in _lines_of(first)] == [
        call for call in _lines_of(moved) if call[0] not in pasted_lines]
    assert [error.line for error in moved.errors] == [error.line + shift for error in first.errors]
    assert moved == fresh_shapes_of(after, str(tmp_path / "b.py"))


def test_deleting_a_class_above_moves_the_shapes_below(tmp_path, interpreted):
    path = str(tmp_path / "a.py")
    before = HEADER + UNRELATED + BLOCK + MODEL + SEQUENTIAL
    first = shapes_of(before, path)
    interpreted.clear()
    after = HEADER + BLOCK + MODEL + SEQUENTIAL
    moved = shapes_of(after, path)
    assert interpreted == []
    assert [error.line for error in moved.errors] == [
        error.line - UNRELATED.count("\n") for error in first.errors]
    assert moved == fresh_shapes_of(after, str(tmp_path / "b.py"))


def test_a_paste_between_a_class_and_the_model_using_it_moves_each_by_its_own_shift(
        tmp_path, interpreted):
    path = str(tmp_path / "a.py")
    before = HEADER + BLOCK + MODEL
    first = shapes_of(before, path)
    interpreted.clear()
    after = HEADER + BLOCK + UNRELATED + MODEL
    moved = shapes_of(after, path)
    assert interpreted == []
    block_end = (HEADER + BLOCK).count("\n")
    shift = UNRELATED.count("\n")
    expected = sorted((line if line <= block_end else line + shift, layer, shape)
                      for line, layer, shape in _lines_of(first))
    assert _lines_of(moved) == expected
    assert any(line <= block_end for line, _, _ in expected)
    assert moved == fresh_shapes_of(after, str(tmp_path / "b.py"))


def test_editing_a_layer_inside_a_class_changes_the_model_using_it(tmp_path, interpreted):
    path = str(tmp_path / "a.py")
    before = HEADER + UNRELATED + BLOCK + MODEL
    first = shapes_of(before, path)
    assert ("(None, 8)" in {shape for _, layer, shape in _lines_of(first) if layer == "Dense"})
    interpreted.clear()
    after = HEADER + UNRELATED + BLOCK.replace("layers.Dense(8)", "layers.Dense(12)") + MODEL
    edited = shapes_of(after, path)
    assert "build_model" in interpreted
    outputs = {shape for _, layer, shape in _lines_of(edited) if layer == "Dense"}
    assert "(None, 12)" in outputs and "(None, 8)" not in outputs
    assert edited == fresh_shapes_of(after, str(tmp_path / "b.py"))


CALLER_FIRST = HEADER + '''

def outer():
    return inner(3)


def inner(width=5):
    model = keras.Sequential([layers.Input((width,)), layers.Dense(2)])
    return model
'''


def test_a_replayed_caller_still_covers_the_functions_it_called(tmp_path, interpreted):
    """`inner` runs inside `outer` (defined first) and not again on its own: the same after a
    paste above replays `outer`."""
    path = str(tmp_path / "a.py")
    first = shapes_of(CALLER_FIRST, path)
    assert interpreted == ["outer", "inner"]
    interpreted.clear()
    after = CALLER_FIRST.replace("\n\ndef outer", "\n\nWIDTH = 3\n\n\ndef outer")
    moved = shapes_of(after, path)
    assert interpreted == []
    assert [call.inputs for call in moved.calls] == [call.inputs for call in first.calls]
    assert moved == fresh_shapes_of(after, str(tmp_path / "b.py"))


def test_changed_imports_are_not_replayed(tmp_path):
    path = str(tmp_path / "a.py")
    text = HEADER + SEQUENTIAL
    assert shapes_of(text, path).errors
    without = text.replace("from keras import layers\n", "layers = None\n")
    assert shapes_of(without, path) == fresh_shapes_of(without, str(tmp_path / "b.py"))
    assert not shapes_of(without, path).calls


INHERITED = HEADER + '''

class Base(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(8)

    def call(self, x):
        return self.dense(x)


class Child(Base):
    pass


def build_child():
    inputs = keras.Input(shape=(20,))
    return Child()(inputs)
'''


def test_a_paste_between_a_base_class_and_its_subclass_gives_the_fresh_shapes(tmp_path):
    """Inherited methods run at the subclass's offset: such a run moves only all by one."""
    path = str(tmp_path / "a.py")
    shapes_of(INHERITED, path)
    after = INHERITED.replace("\n\nclass Child", UNRELATED + "\n\nclass Child")
    assert shapes_of(after, path) == fresh_shapes_of(after, str(tmp_path / "b.py"))


MODULE_SET_WEIGHTS = HEADER + '''import numpy as np

dense = layers.Dense(8)
dense(np.zeros((2, 20)))
dense.set_weights([np.zeros((10, 8)), np.zeros((8,))])

''' + SEQUENTIAL


def test_module_level_set_weights_errors_stay_where_they_are_after_a_paste_below(tmp_path):
    path = str(tmp_path / "a.py")
    first = shapes_of(MODULE_SET_WEIGHTS, path)
    assert len(first.errors) == 2
    after = MODULE_SET_WEIGHTS.replace("\n\ndef build_sequential", PASTE + "\n\ndef build_sequential")
    moved = shapes_of(after, path)
    assert moved == fresh_shapes_of(after, str(tmp_path / "b.py"))
    assert moved.errors[0] == first.errors[0]
