"""Interpretations of top-level definitions remembered between keystrokes (`infer.py`'s
`_remembered`), replayed where the definitions moved.

A run is keyed by what it depends on (its node and the nodes of the definitions it uses, the
imports, the module constants it reads, the Keras version and the configured input), never by
where those definitions sit: a paste above a model moves it, and its calls are then replayed
moved by as many lines as each definition they lie in moved (`moved`), instead of interpreted
again. A run is interpreted again where moving could be wrong: a message that names a line, or
Sequentials kept for the configured input shape (they hold their own line offsets).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from layerlint.analysis.frozen_copy import with_fields
from layerlint.analysis.shapes.layout import Definition

if TYPE_CHECKING:
    from layerlint.analysis.shapes.infer import CallShape
    from layerlint.analysis.shapes.values import SequentialModel

Span = tuple[int, int, int]
"""(first line, last line, line offset) of a definition where the run was recorded."""
_LIMIT = 512
NAMES_A_LINE = " on line "
"""How an error names a line: a record with such an error cannot be moved."""


@dataclass(frozen=True)
class Run:
    node: Definition
    """The definition interpreted."""
    uses: tuple[Definition, ...]
    """The definitions it uses: held, so that the identities in the key stay theirs."""
    spans: tuple[Span, ...]
    """Where the definition and those it uses sat (in the order `spans_of` gives them)."""
    records: tuple[CallShape, ...]
    fed_classes: frozenset[str]
    nested_classes: frozenset[str]
    candidates: tuple[tuple[SequentialModel, int], ...]
    interpreted: frozenset[int]
    """The functions interpreted on the way (a caller interprets its callees)."""


_runs: dict[tuple, Run] = {}


def spans_of(definitions: list[tuple[Definition, int]]) -> tuple[Span, ...]:
    return tuple(
        (node.lineno + offset, (node.end_lineno or node.lineno) + offset, offset)
        for node, offset in definitions
    )


def lookup(key: tuple, node: Definition) -> Run | None:
    run = _runs.get(key)
    return run if run is not None and run.node is node else None


def store(key: tuple, run: Run) -> None:
    _runs.pop(key, None)
    _runs[key] = run
    if len(_runs) > _LIMIT:
        _runs.pop(next(iter(_runs)))


def moved(key: tuple, run: Run, spans: tuple[Span, ...], apart: bool = True) -> Run | None:
    """The run with its calls where the definitions now sit (`spans`, in the run's order), kept
    for the next keystroke; None where it must be interpreted again. `apart`: whether the
    definitions may move by different shifts (else only all by one)."""
    if spans == run.spans:
        return run
    if len(spans) != len(run.spans) or run.candidates or any(
        record.error and NAMES_A_LINE in record.error for record in run.records
    ):
        return None
    deltas = {new[2] - old[2] for old, new in zip(run.spans, spans)}
    if len(deltas) > 1 and not apart:
        return None
    if len(deltas) == 1:
        delta = deltas.pop()

        def move(line: int) -> int | None:
            return line + delta
    else:
        ranges = [(old[0], old[1], new[2] - old[2]) for old, new in zip(run.spans, spans)]

        def move(line: int) -> int | None:
            return next((line + shift for first, last, shift in ranges if first <= line <= last),
                        None)
    records = []
    for record in run.records:
        placed = _moved_record(record, move)
        if placed is None:
            return None
        records.append(placed)
    result = replace(run, spans=spans, records=tuple(records))
    store(key, result)
    return result


def moved_records(records: list[CallShape], move) -> list[CallShape] | None:
    """`records` placed by `move` (a line to its new line, None where it cannot follow); None
    where one cannot be moved: a line it names has no new place, or its error names a line."""
    placed = []
    for record in records:
        if record.error and NAMES_A_LINE in record.error:
            return None
        moved_record = _moved_record(record, move)
        if moved_record is None:
            return None
        placed.append(moved_record)
    return placed


def _moved_record(record: CallShape, move) -> CallShape | None:
    line, end_line = move(record.line), move(record.end_line)
    if line is None or end_line is None:
        return None
    origin = record.origin
    if origin:  # None: no line; 0: the configured input shape
        origin = move(origin)
        if origin is None:
            return None
    insertion = record.insertion
    if insertion is not None:
        inserted_at = move(insertion[0])
        if inserted_at is None:
            return None
        insertion = (inserted_at, insertion[1])
    return with_fields(record, line=line, end_line=end_line, origin=origin, insertion=insertion)


def forget(node_ids: set[int]) -> None:
    """Drop the runs of, or through, these top-level definitions."""
    for key in [key for key, run in _runs.items()
                if id(run.node) in node_ids or any(id(use) in node_ids for use in run.uses)]:
        del _runs[key]


def clear() -> None:
    _runs.clear()
