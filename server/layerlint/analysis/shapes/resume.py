"""Where the shape inference of a script's own code starts again after a keystroke: the
interpreter's state before the statement being edited, kept from one run to the next.

A key typed into a script's top-level code changes one statement; the statements above it
left the same state as last time. When a run reaches the first statement that differs from the
last run's (the edit), that state is copied (`keep`): the values of the module's names, the
calls recorded, the counters. A run that has seen no edit yet (the file was just opened) keeps
the state after its last statement that does something (a trailing string is a notebook's
markdown): scripts are mostly written at their end. The next run
whose statements up to there are the same nodes at the same lines (or read as they did: a
statement parsed again because its block gained the newline typed after it), with the same
definitions (nodes; lines too for those the statements above ran), imports, Keras version and
configured input, and no shape comment in the text, starts from a copy of it (`resumed`) and
interprets only from the edit down: a key that finishes a statement
below the model's construction no longer interprets the construction again (a key above it
still runs the code below, where `call_memo` replays the model builder's call). The copies
are `value_copies`' (identities kept; where a value cannot be copied, nothing is kept). Only
the last checkpoint is held; it holds the nodes of the statements and definitions it was
taken after, so `forget` drops it when one leaves the document.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
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
    prefix: tuple[tuple[ast.stmt | str, int], ...]
    """The statements run before the state was taken (held: their identities are the key), or
    the dump of one whose block left the document since (the next run may parse it again)."""
    state: _State


_checkpoint: list[_Checkpoint] = []
_last_body: list[tuple[tuple, Sequence[tuple[ast.stmt | str, int]]]] = []
"""The context and the (statement, offset) of the last run's body: only where its next edit
is. A statement whose block left the document since is held as its dump (`forget`): one parsed
again as it was (its block gained the newline typed after it) is no edit."""


def resumed(interpreter: Any) -> tuple[int, int | None]:
    """Restores the last checkpoint into `interpreter` where it applies: (the index of the body
    statement to run first, the index before which to `keep` a new checkpoint, or None)."""
    body: list[Placed] = interpreter.body
    context = _context(interpreter)
    edit = None
    if _last_body and _last_body[0][0] == context:
        previous = _last_body[0][1]
        edit = next((index for index, (old, new) in enumerate(zip(previous, body))
                     if not _same(old, new)), None)
        if edit is None and len(previous) != len(body):
            edit = min(len(previous), len(body))
    _last_body[:] = [(context, tuple(body))]
    start = 0
    if _checkpoint and _applies(_checkpoint[0], context, interpreter.layout.definitions, body):
        checkpoint = _checkpoint[0]
        start = len(checkpoint.prefix)
        if any(old is not new for (old, _), (new, _) in zip(checkpoint.prefix, body)):
            # Held by the statements parsed again now, so that the old ones can leave.
            _checkpoint[0] = replace(checkpoint, prefix=tuple(body[:start]))
        _restore(interpreter, checkpoint.state)
    if edit is None and not start and body:
        return start, _end_of_code(body)  # no edit seen here yet: the next one may well be below
    if edit is None or edit == 0 or edit < start or (start and edit == start):
        return start, None
    return start, edit


def _end_of_code(body: list[Placed]) -> int | None:
    """The index after the body's last statement that does something: a script exported from
    a notebook ends with a markdown cell's string, and its code is typed above that."""
    end = len(body)
    while end and isinstance(body[end - 1][0], ast.Expr) and isinstance(
            body[end - 1][0].value, ast.Constant):  # type: ignore[attr-defined]
        end -= 1
    return end or None


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


def forget(statements: list[ast.stmt]) -> None:
    """These top-level statements' block left its document: the checkpoint is dropped if it
    holds one of them as a definition, and holds those it ran before its state as their dumps
    (the values it kept may still hold parts of their trees: one checkpoint's worth); so does
    the last run's body."""
    ids = {id(statement) for statement in statements}
    if _checkpoint and any(id(definition) in ids for definition, _ in _checkpoint[0].definitions):
        _checkpoint.clear()
    if _checkpoint and _holds(_checkpoint[0].prefix, ids):
        _checkpoint[0] = replace(_checkpoint[0], prefix=_dumped(_checkpoint[0].prefix, ids))
    if _last_body and _holds(_last_body[0][1], ids):  # a retired class block holds none
        _last_body[0] = (_last_body[0][0], _dumped(_last_body[0][1], ids))


def _holds(placed: Sequence[tuple[ast.stmt | str, int]], ids: set[int]) -> bool:
    return any(id(statement) in ids for statement, _ in placed if not isinstance(statement, str))


def _dumped(placed: Sequence[tuple[ast.stmt | str, int]], ids: set[int]
            ) -> tuple[tuple[ast.stmt | str, int], ...]:
    """`placed` with the statements of `ids` held as their dumps."""
    return tuple((_dump(statement) if not isinstance(statement, str) and id(statement) in ids
                  else statement, offset) for statement, offset in placed)


def _same(old: tuple[ast.stmt | str, int], new: Placed) -> bool:
    """Whether a statement of the last run's body is `new`: the same node at the same place, or
    one that reads as it did there (parsed again)."""
    (statement, offset), (node, new_offset) = old, new
    if offset != new_offset:
        return False
    return statement is node or (
        (statement if isinstance(statement, str) else _dump(statement)) == _dump(node))


def _dump(statement: ast.stmt) -> str:
    return ast.dump(statement, include_attributes=True)


def clear() -> None:
    _checkpoint.clear()
    _last_body.clear()


def _context(interpreter: Any) -> tuple:
    return (interpreter.keras_version, interpreter.configured_input, interpreter.imports_key)


def _applies(checkpoint: _Checkpoint, context: tuple, definitions: list[Placed],
             body: list[Placed]) -> bool:
    """Whether the statements before the checkpoint are those of `body` (or read as they did,
    at the same places: parsed again), and the definitions the same nodes in the same order.
    A definition may have moved (a line opened above it)
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
    return all(_same(old, new) for old, new in zip(prefix, body))


def _ran(definition: ast.stmt, interpreted: set[int]) -> bool:
    """Whether the interpreter ran the function, or a method of the class (every function body
    it runs goes through `Interpreter._call_function`, which notes it in `interpreted`)."""
    return id(definition) in interpreted or (
        isinstance(definition, ast.ClassDef)
        and any(id(statement) in interpreted for statement in definition.body))


def _copy_state(interpreter: Any) -> _State:
    return _copy_state_of(_State(
        interpreter.module_env, interpreter.records, interpreter.log, interpreter.steps,
        interpreter.events, interpreter.interpreted, interpreter.sequentials, interpreter.ran,
        interpreter.nested, interpreter.fed_classes, interpreter.nested_classes))


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
    """A copy of a state: of the interpreter's, to keep; of a kept one, for one run to change
    (the checkpoint stays as it was taken)."""
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
