"""Copies of the shape interpreter's values (`values.py`) for a later run to change: what
`resume` keeps of a script's state and `call_memo` keeps of a call's result.

A copy keeps identities: one memo per copy maps each original to its copy, so a layer held by a
name and by a Sequential is one layer in the copy, and the ids of the interpreter's sets of
models (`ran`, `nested`) are mapped to those of the copies (`remapped`). Tensors and constants
are immutable and shared; a layer's configuration is not changed after its construction and is
shared too. A value of a kind not known here raises `Uncopyable`: the caller keeps nothing.
A copy may also be moved (`Placement`): the lines and frame offsets its values name, placed
where the definitions that made them now sit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from layerlint.analysis.shapes.values import (
    BuiltinLayer,
    Const,
    Instance,
    ListValue,
    SequentialModel,
    Tensor,
)


class Uncopyable(Exception):
    """A value of a kind `copied` does not know."""


@dataclass(frozen=True)
class Placement:
    """Where a copied value's lines and line offsets go (each unchanged where it did not move)."""

    line: Callable[[int], int]
    offset: Callable[[int], int]


def _placed_line(line: int | None, place: Placement | None) -> int | None:
    return line if place is None or not line else place.line(line)


def remapped(ids: set[int], memo: dict[int, object]) -> set[int]:
    """The ids of the copies of the models in `ids`. Those not copied are dropped: the
    interpreter asks only about the models of its Sequentials list, which are all copied."""
    return {id(memo[old]) for old in ids if old in memo}


def copied(value: object, memo: dict[int, object], events_shift: int = 0,
           place: Placement | None = None) -> Any:
    """`value` with every mutable value in it copied once (`memo`: id of original -> copy).
    `events_shift` is added to the event count at which each layer copied was built (a call's
    layers replayed later in another run, `call_memo`); `place` moves what it names."""
    if value is None or isinstance(value, Const):
        return value
    if isinstance(value, Tensor):
        return value if place is None else replace(value, origin=_placed_line(value.origin, place))
    kept = memo.get(id(value))
    if kept is not None:
        return kept
    if isinstance(value, BuiltinLayer):
        built_at = value.built_at
        layer = replace(value, built_at=built_at if built_at is None else built_at + events_shift)
        if place is not None:
            layer.line = place.line(layer.line)
        memo[id(value)] = layer
        return layer
    if isinstance(value, SequentialModel):
        model = replace(value, layers=[], origin=_placed_line(value.origin, place))
        memo[id(value)] = model
        model.layers = [(copied(layer, memo, events_shift, place), node,
                         offset if place is None else place.offset(offset))
                        for layer, node, offset in value.layers]
        return model
    if isinstance(value, ListValue):
        values = ListValue([], value.poisoned)
        memo[id(value)] = values
        values.items = [copied(item, memo, events_shift, place) for item in value.items]
        return values
    if isinstance(value, Instance):
        line = value.line if place is None else place.line(value.line)
        instance = Instance(value.class_name, value.framework, {}, line)
        memo[id(value)] = instance
        instance.attributes = {name: copied(item, memo, events_shift, place)
                               for name, item in value.attributes.items()}
        return instance
    if isinstance(value, tuple):
        return tuple(copied(item, memo, events_shift, place) for item in value)
    raise Uncopyable(type(value).__name__)


__all__ = ["Placement", "Uncopyable", "copied", "remapped"]
