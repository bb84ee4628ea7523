"""A script's top-level calls of its own functions with constant arguments, replayed: what
`model = build_model(num_blocks=3)` did is kept and given again to the next run that makes the
same call, instead of interpreting the function again.

A key typed above the model's construction in a script runs the code below it again
(`resume` starts at the edit): without this, each such key interpreted the whole model
builder (a thousand layer calls in keras-io's mirnet.py, ~50 ms). A call is replayed only where
its result cannot differ: the function, the definitions it uses (transitively) and where they
sit, the module constants it reads, the imports, the Keras version and the configured input
are those of the recorded call (`Interpreter._dependency_key`, the key of `replay`), and every
argument is a constant, a tensor of a known shape or unknown. Such a call reads nothing
mutable from outside, so all it leaves behind is its own: the calls it recorded, the models it
made (its result among them), the classes it fed or nested, the functions it ran, and the
counters it advanced. Those are copied when recorded and copied again at each replay (the
script goes on to change the model: `model.compile(...)`), the build order of the layers
shifted to the replaying run's event count. A call made inside a loop or a function, one with
a `set_weights` check left pending, one that reached the statement budget and any text with a
shape comment are interpreted as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from layerlint.analysis.shapes import replay
from layerlint.analysis.shapes.value_copies import Placement, Uncopyable, copied, remapped
from layerlint.analysis.shapes.values import Const, Tensor

_LIMIT = 16
"""Calls kept: a script makes a few such calls; each entry holds a copy of a model."""


@dataclass(frozen=True)
class _Call:
    function: ast.FunctionDef | ast.AsyncFunctionDef
    uses: tuple[ast.stmt, ...]
    """The definitions it uses: held, so that the identities in the key stay theirs."""
    spans: tuple[replay.Span, ...]
    """Where the function and those it uses sat (`replay.spans_of`)."""
    records: tuple[Any, ...]
    sequentials: tuple[tuple[Any, int], ...]
    result: Any
    ran: frozenset[int]
    nested: frozenset[int]
    """Ids of models among `sequentials` and `result` (the copies held here)."""
    fed_classes: frozenset[str]
    nested_classes: frozenset[str]
    interpreted: frozenset[int]
    events_before: int
    events: int
    steps: int


_calls: dict[tuple, _Call] = {}


def call(interpreter: Any, function: ast.FunctionDef | ast.AsyncFunctionDef, offset: int,
         args: list, kwargs: dict, step_budget: int) -> object:
    """`interpreter._call_function(function, offset, args, kwargs, None)`, replayed where a
    recorded call applies, recorded where it may apply later. `step_budget`: the statements an
    inference may run (a replay must not take it past them)."""
    found = _key(interpreter, function, args, kwargs)
    if found is None:
        return interpreter._call_function(function, offset, args, kwargs, None)
    key, uses = found
    spans = replay.spans_of([(function, offset), *uses])
    kept = _calls.get(key)
    if kept is not None and kept.function is function and (
            interpreter.steps + kept.steps <= step_budget):
        if kept.spans == spans:
            return _replayed(interpreter, kept, None)
        place = _placement(kept, spans)
        if place is not None:
            return _replayed(interpreter, kept, place)
    return _recorded(interpreter, key, uses, spans, step_budget, function, offset, args, kwargs)


def forget(ids: set[int]) -> None:
    """Drop the calls of, or through, these top-level definitions."""
    for key in [key for key, kept in _calls.items()
                if id(kept.function) in ids or any(id(use) in ids for use in kept.uses)]:
        del _calls[key]


def clear() -> None:
    _calls.clear()


def _key(interpreter: Any, function: ast.FunctionDef | ast.AsyncFunctionDef, args: list,
         kwargs: dict) -> tuple[tuple, list] | None:
    """(the call's key, the definitions it uses with their offsets), or None where the call is
    not one to replay."""
    if (not interpreter.resumable or interpreter.depth or interpreter.loop_depth
            or interpreter.set_weights):
        return None
    values = [*args, *kwargs.values()]
    if not all(value is None or isinstance(value, (Const, Tensor)) for value in values):
        return None
    dependencies = interpreter._dependency_key(function)
    if dependencies is None:
        return None
    dependency_key, uses = dependencies
    try:
        key = (dependency_key, tuple(args), tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:  # a constant holding something unhashable
        return None
    return key, uses


def _recorded(interpreter: Any, key: tuple, uses: list, spans: tuple[replay.Span, ...],
              step_budget: int, function: Any, offset: int, args: list, kwargs: dict) -> object:
    log, sequentials = len(interpreter.log), len(interpreter.sequentials)
    events, steps = interpreter.events, interpreter.steps
    ran, nested = set(interpreter.ran), set(interpreter.nested)
    fed, nested_classes = set(interpreter.fed_classes), set(interpreter.nested_classes)
    interpreted = set(interpreter.interpreted)
    result = interpreter._call_function(function, offset, args, kwargs, None)
    if interpreter.set_weights or interpreter.steps > step_budget:
        return result
    memo: dict[int, object] = {}
    try:
        made = tuple((copied(model, memo), model_offset)
                     for model, model_offset in interpreter.sequentials[sequentials:])
        kept_result = copied(result, memo)
    except Uncopyable:
        return result
    _calls.pop(key, None)
    _calls[key] = _Call(
        function, tuple(definition for definition, _ in uses), spans,
        tuple(interpreter.log[log:]), made, kept_result,
        frozenset(remapped(interpreter.ran - ran, memo)),
        frozenset(remapped(interpreter.nested - nested, memo)),
        frozenset(interpreter.fed_classes - fed),
        frozenset(interpreter.nested_classes - nested_classes),
        frozenset(interpreter.interpreted - interpreted),
        events, interpreter.events - events, interpreter.steps - steps)
    if len(_calls) > _LIMIT:
        del _calls[next(iter(_calls))]
    return result


def _placement(kept: _Call, spans: tuple[replay.Span, ...]) -> Placement | None:
    """Where the lines of a call recorded with its definitions at `kept.spans` go now that they
    sit at `spans` (a line opened above them); None where its records cannot follow (an
    error that names a line)."""
    if len(spans) != len(kept.spans) or any(
            record.error and replay.NAMES_A_LINE in record.error for record in kept.records):
        return None
    shifts = [(old[0], old[1], new[2] - old[2]) for old, new in zip(kept.spans, spans)]
    offsets = {old[2]: new[2] for old, new in zip(kept.spans, spans)}

    def line(number: int) -> int:
        return next((number + shift for first, last, shift in shifts if first <= number <= last),
                    number)

    return Placement(line, lambda offset: offsets.get(offset, offset))


def _replayed(interpreter: Any, kept: _Call, place: Placement | None) -> object:
    memo: dict[int, object] = {}
    shift = interpreter.events - kept.events_before
    interpreter.sequentials.extend(
        (copied(model, memo, shift, place),
         model_offset if place is None else place.offset(model_offset))
        for model, model_offset in kept.sequentials)
    result = copied(kept.result, memo, shift, place)
    records = kept.records if place is None else replay.moved_records(list(kept.records),
                                                                      place.line)
    for record in records or ():
        interpreter.records.setdefault((record.line, record.column), []).append(record)
        interpreter.log.append(record)
    interpreter.ran |= remapped(set(kept.ran), memo)
    interpreter.nested |= remapped(set(kept.nested), memo)
    interpreter.fed_classes |= kept.fed_classes
    interpreter.nested_classes |= kept.nested_classes
    interpreter.interpreted |= kept.interpreted
    interpreter.events += kept.events
    interpreter.steps += kept.steps
    return result


__all__ = ["call", "clear", "forget"]
