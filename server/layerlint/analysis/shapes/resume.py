"""Where the shape inference of a script's own code starts again after a keystroke: the
interpreter's state before the statement being edited, kept from one run to the next.

A key typed into a script's top-level code changes one statement; the statements above it
left the same state as last time. When a run reaches the first statement that differs from the
last run's (the edit), that state is copied (`keep`): the values of the module's names, the
calls recorded, the counters. The next run whose statements up to there are the same objects at
the same lines, with the same definitions (nodes; lines too for those the statements above ran),
imports, Keras version and configured input, and no shape comment in the text, starts from a
copy of it (`resumed`) and interprets only from the edit down: a key that finishes a statement
below the model's construction no longer interprets the construction again (a key above it
still runs the code below, where `call_memo` replays the model builder's call). The copies
are `value_copies`' (identities kept; where a value cannot be copied, nothing is kept). Only
the last checkpoint is held; it holds the nodes of the statements and definitions it was
taken after, so `forget` drops it when one leaves the document.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Any

from layerlint.analysis.shapes.value_copies import Uncopyable, copied, remapped

Placed = tuple[ast.stmt, int]
"""A top-level statement and its block's line offset."""


@dataclass(frozen=True)
class _State:
    """What the module's statements before the edit left in the interpreter."""

    env: dict
    records: dict
    log: list
    steps: int
    events: int
    interpreted: set
    sequentials: list
    ran: set
    nested: set
    fed_classes: set
    nested_classes: set


@dataclass(frozen=True)
class _Checkpoint:
    context: tuple
    definitions: tuple[Placed, ...]
    prefix: tuple[Placed, ...]
    """The statements run before the state was taken (held: their identities are the key)."""
    state: _State


_checkpoint: list[_Checkpoint] = []
_last_body: list[tuple[tuple, list[tuple[int, int]]]] = []
"""The context and (statement id, offset) of the last run's body: only where its edit is, so
ids suffice (a recycled id can misplace a checkpoint, never validate one)."""


def resumed(interpreter: Any) -> tuple[int, int | None]:
    """Restores the last checkpoint into `interpreter` where it applies: (the index of the body
    statement to run first, the index before which to `keep` a new checkpoint, or None)."""
    body: list[Placed] = interpreter.body
    context = _context(interpreter)
    signature = [(id(statement), offset) for statement, offset in body]
    edit = None
    if _last_body and _last_body[0][0] == context:
        previous = _last_body[0][1]
        edit = next((index for index, (old, new) in enumerate(zip(previous, signature))
                     if old != new), None)
        if edit is None and len(previous) != len(signature):
            edit = min(len(previous), len(signature))
    _last_body[:] = [(context, signature)]
    start = 0
    if _checkpoint and _applies(_checkpoint[0], context, interpreter.layout.definitions, body):
        start = len(_checkpoint[0].prefix)
        _restore(interpreter, _checkpoint[0].state)
    if edit is None or edit == 0 or edit < start or (start and edit == start):
        return start, None
    return start, edit


def keep(interpreter: Any, index: int) -> None:
    """Copies the interpreter's state before body statement `index` as the checkpoint (none
    where a statement inside a loop or a pending `set_weights` check would not carry over)."""
    if interpreter.set_weights or interpreter.loop_depth or interpreter.depth:
        return
    try:
        state = _copy_state(interpreter)
    except Uncopyable:
        return
    _checkpoint[:] = [_Checkpoint(_context(interpreter), tuple(interpreter.layout.definitions),
                                  tuple(interpreter.body[:index]), state)]


def forget(ids: set[int]) -> None:
    """Drop the checkpoint if it holds one of these top-level statements (a block that left
    its document)."""
    if _checkpoint and any(id(statement) in ids for statement, _ in
                           (*_checkpoint[0].prefix, *_checkpoint[0].definitions)):
        _checkpoint.clear()


def clear() -> None:
    _checkpoint.clear()
    _last_body.clear()


def _context(interpreter: Any) -> tuple:
    return (interpreter.keras_version, interpreter.configured_input, interpreter.imports_key)


def _applies(checkpoint: _Checkpoint, context: tuple, definitions: list[Placed],
             body: list[Placed]) -> bool:
    """Whether the statements before the checkpoint are those of `body`, and the definitions
    the same nodes in the same order. A definition may have moved (a line opened above it)
    where the statements before the checkpoint never ran it: only a run of its body puts its
    lines into the kept values (the calls it recorded, the tensors it made)."""
    prefix = checkpoint.prefix
    if not (checkpoint.context == context and len(prefix) <= len(body)
            and len(checkpoint.definitions) == len(definitions)):
        return False
    ran = checkpoint.state.interpreted
    for (old, old_offset), (new, new_offset) in zip(checkpoint.definitions, definitions):
        if old is not new or (old_offset != new_offset and _ran(old, ran)):
            return False
    return all(old is new and old_offset == new_offset
               for (old, old_offset), (new, new_offset) in zip(prefix, body))


def _ran(definition: ast.stmt, interpreted: set[int]) -> bool:
    """Whether the interpreter ran the function, or a method of the class (every function body
    it runs goes through `Interpreter._call_function`, which notes it in `interpreted`)."""
    return id(definition) in interpreted or (
        isinstance(definition, ast.ClassDef)
        and any(id(statement) in interpreted for statement in definition.body))


def _copy_state(interpreter: Any) -> _State:
    memo: dict[int, object] = {}
    return _State(
        env={name: copied(value, memo) for name, value in interpreter.module_env.items()},
        records={site: list(records) for site, records in interpreter.records.items()},
        log=list(interpreter.log),
        steps=interpreter.steps,
        events=interpreter.events,
        interpreted=set(interpreter.interpreted),
        sequentials=[(copied(model, memo), offset) for model, offset in interpreter.sequentials],
        ran=remapped(interpreter.ran, memo),
        nested=remapped(interpreter.nested, memo),
        fed_classes=set(interpreter.fed_classes),
        nested_classes=set(interpreter.nested_classes),
    )


def _restore(interpreter: Any, state: _State) -> None:
    copy = _copy_state_of(state)
    interpreter.module_env = copy.env
    interpreter.records = copy.records
    interpreter.log = copy.log
    interpreter.steps = copy.steps
    interpreter.events = copy.events
    interpreter.interpreted = copy.interpreted
    interpreter.sequentials = copy.sequentials
    interpreter.ran = copy.ran
    interpreter.nested = copy.nested
    interpreter.fed_classes = copy.fed_classes
    interpreter.nested_classes = copy.nested_classes


def _copy_state_of(state: _State) -> _State:
    """A copy of a kept state for one run to change (the checkpoint stays as it was taken)."""
    memo: dict[int, object] = {}
    return replace(
        state,
        env={name: copied(value, memo) for name, value in state.env.items()},
        records={site: list(records) for site, records in state.records.items()},
        log=list(state.log),
        interpreted=set(state.interpreted),
        sequentials=[(copied(model, memo), offset) for model, offset in state.sequentials],
        ran=remapped(state.ran, memo),
        nested=remapped(state.nested, memo),
        fed_classes=set(state.fed_classes),
        nested_classes=set(state.nested_classes),
    )


__all__ = ["clear", "forget", "keep", "resumed"]
