"""Copies of the shape interpreter's values keep identities, shift build events and move lines
(`shapes/value_copies.py`)."""

import ast

import pytest

from layerlint.analysis import frameworks
from layerlint.analysis.shapes.domain import Shape
from layerlint.analysis.shapes.value_copies import Placement, Uncopyable, copied, remapped
from layerlint.analysis.shapes.values import (
    BuiltinLayer,
    Const,
    Instance,
    ListValue,
    SequentialModel,
    Tensor,
)


def _dense(line: int, built_at: int | None = None) -> BuiltinLayer:
    info = frameworks.builtin_layer("keras.layers.Dense", None)
    assert info is not None
    return BuiltinLayer(info, {"units": 4}, ast.Call(), line, built_at=built_at)


def test_a_layer_held_twice_is_one_layer_in_the_copy():
    dense = _dense(3, built_at=2)
    model = SequentialModel("keras", [(dense, ast.Call(), 0)])
    holder = Instance("Block", "keras", {"dense": dense, "stack": ListValue([dense, model])}, 7)
    memo: dict[int, object] = {}
    copy_of_model, copy_of_holder = copied(model, memo), copied(holder, memo)
    layer = copy_of_model.layers[0][0]
    assert layer is not dense and layer == dense
    assert copy_of_holder.attributes["dense"] is layer
    assert copy_of_holder.attributes["stack"].items == [layer, copy_of_model]
    copy_of_model.layers.append((None, ast.Call(), 0))
    assert len(model.layers) == 1  # the original is left as it was
    assert remapped({id(model), id(object())}, memo) == {id(copy_of_model)}


def test_immutable_values_are_shared():
    tensor, constant = Tensor(Shape((None, 4)), 5), Const((1, 2))
    assert copied(tensor, {}) is tensor and copied(constant, {}) is constant


def test_events_shift_and_lines_move():
    dense = _dense(12, built_at=3)
    model = SequentialModel("keras", [(dense, ast.Call(), 10)], origin=11)
    inputs = ListValue([Tensor(Shape((None, 4)), 12), Tensor(Shape((None, 4)), 2)])
    place = Placement(lambda line: line + 5 if line >= 10 else line, lambda offset: offset + 5)
    memo: dict[int, object] = {}
    moved, moved_inputs = copied(model, memo, 4, place), copied(inputs, memo, 4, place)
    layer = moved.layers[0][0]
    assert (layer.line, layer.built_at, moved.origin, moved.layers[0][2]) == (17, 7, 16, 15)
    assert [tensor.origin for tensor in moved_inputs.items] == [17, 2]  # line 2 did not move
    assert (dense.line, dense.built_at, model.origin) == (12, 3, 11)


def test_an_unknown_kind_of_value_is_not_copied():
    with pytest.raises(Uncopyable):
        copied(ListValue([object()]), {})
