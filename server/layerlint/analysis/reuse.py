"""Decides which repeated layer calls are real reuse and what evidence each one carries.

Input: the occurrences one forward method (or functional scope) makes. Output: one
`ReuseCase` per repeated call that runs on the same execution path as an earlier call of the
same layer, or inside a loop, with the evidence the rules turn into a severity:
- proven mismatch: both inputs have known, different channel counts (a crash);
- chain: the repeated call consumes what the earlier call produced;
- an unused sibling: a layer of the same constructor was built but is never called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from layerlint.analysis.flow import LayerRef, Occurrence, is_exclusive
from layerlint.analysis.model_index import LayerSpec

Category = str
""""stateful" (moving statistics), "weighted", "random", or "stateless"."""


@dataclass(frozen=True)
class ReuseCase:
    ref: LayerRef
    spec: LayerSpec
    category: Category
    occurrence: Occurrence
    first: Occurrence | None
    """An earlier call on the same path; None when only a loop repeats the call."""
    report_node: ast.expr
    first_node: ast.expr | None
    in_loop: bool
    chain: bool
    first_channels: tuple[int, str | None] | None
    channels: tuple[int, str | None] | None
    unused_siblings: tuple[str, ...] = ()
    group: tuple[Occurrence, ...] = field(default=())
    single_use_siblings: tuple[str, ...] = ()
    """Other layers of the same class, each called once: the author gives positions their own."""

    @property
    def proven_mismatch(self) -> bool:
        return (
            self.first_channels is not None
            and self.channels is not None
            and self.first_channels[0] != self.channels[0]
        )


def find_reuse(
    occurrences: list[Occurrence],
    spec_of: Callable[[LayerRef], LayerSpec | None],
    category_of: Callable[[LayerSpec], Category | None],
    siblings_unused: Callable[[LayerRef, LayerSpec], tuple[str, ...]] = lambda ref, spec: (),
) -> list[ReuseCase]:
    groups: dict[LayerRef, list[Occurrence]] = {}
    for occurrence in occurrences:
        groups.setdefault(occurrence.ref, []).append(occurrence)
    single_use: dict[str, list[str]] = {}
    for ref, group in groups.items():
        spec = spec_of(ref)
        if spec is not None and len(group) == 1 and not group[0].loops:
            single_use.setdefault(spec.class_name, []).append(ref.display)
    cases: list[ReuseCase] = []
    for ref, group in groups.items():
        spec = spec_of(ref)
        if spec is None:
            continue
        category = category_of(spec)
        if category in (None, "stateless"):
            continue
        unused = siblings_unused(ref, spec)
        for position, occurrence in enumerate(group):
            first = next(
                (earlier for earlier in group[:position] if not is_exclusive(earlier, occurrence)),
                None,
            )
            if first is None and not occurrence.loops:
                continue
            if first is not None:
                report_node, first_node = _divergence(occurrence, first)
                chain = first.id in occurrence.input.deps
                first_channels = _channels(first.input)
                channels = _channels(occurrence.input)
            else:
                report_node, first_node = occurrence.callee, None
                chain = occurrence.loop_chain
                first_channels = _channels(occurrence.input)
                channels = _channels(occurrence.loop_input)
            cases.append(ReuseCase(
                ref, spec, category, occurrence, first, report_node, first_node,
                bool(occurrence.loops), chain, first_channels, channels, unused, tuple(group),
                tuple(single_use.get(spec.class_name, ())),
            ))
    return cases


def _channels(value) -> tuple[int, str | None] | None:
    if value is None or value.channels is None:
        return None
    return value.channels, value.source


def _divergence(occurrence: Occurrence, first: Occurrence) -> tuple[ast.expr, ast.expr]:
    """Where the two calls part ways: the helper invocations when one helper runs twice."""
    for depth, (mine, theirs) in enumerate(zip(occurrence.chain, first.chain)):
        if mine is not theirs:
            return occurrence.chain[depth].func, first.chain[depth].func
    shared = min(len(occurrence.chain), len(first.chain))
    mine = occurrence.chain[shared].func if len(occurrence.chain) > shared else occurrence.callee
    theirs = first.chain[shared].func if len(first.chain) > shared else first.callee
    return mine, theirs


def is_fixable_by_split(case: ReuseCase, single_simple_definition: bool) -> bool:
    """A split is correct when every call is a plain direct call outside loops and helpers."""
    return (
        single_simple_definition
        and case.ref.index is None
        and all(o.direct and not o.chain and not o.loops for o in case.group)
        and len(case.group) >= 2
    )
