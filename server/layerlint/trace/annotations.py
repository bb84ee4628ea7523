"""What a trace result shows on each source line of one file: the inlay hint label, the hover
text of a call, and where its error goes. Pure: the LSP module only converts positions.

A line's label follows the data through the calls on it, in the order they ran:
`x = self.pool(self.bn(self.conv(x)))` reads `(1, 32, 32, 3) -> (1, 29, 29, 6) -> (1, 29,
29, 6) -> (1, 14, 14, 6)`. Calls that do not feed each other are separated by `; `, and a
long chain (a layer called in a loop) is shortened to its ends.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from layerlint.trace.results import LayerCall, SourceSite, TraceResult, format_shape

MAX_CHAIN = 4
"""Arrows shown before a chain is shortened to `first -> ... -> last (N calls)`."""


@dataclass(frozen=True)
class LineNote:
    line: int
    label: str
    calls: tuple[LayerCall, ...]


def same_file(site: SourceSite | None, path: str) -> bool:
    if site is None or not path:
        return False
    return os.path.normcase(os.path.realpath(site.path)) == \
        os.path.normcase(os.path.realpath(path))


def line_notes(result: TraceResult, path: str) -> list[LineNote]:
    """One note per line of `path` with traced calls, in line order."""
    by_line: dict[int, list[LayerCall]] = defaultdict(list)
    for call in result.calls:
        if call.parent is not None and same_file(call.site, path):
            by_line[call.site.line].append(call)  # type: ignore[union-attr]
    return [LineNote(line, line_label(calls), tuple(calls))
            for line, calls in sorted(by_line.items())]


def line_label(calls: list[LayerCall]) -> str:
    chains: list[list[str]] = []
    counts: list[int] = []
    last_output: str | None = None
    for call in sorted(calls, key=lambda item: item.index):
        inputs = _tensors_text(call.inputs)
        output = "error" if call.failed else _tensors_text(call.outputs)
        if chains and inputs == last_output:
            chains[-1].append(output)
            counts[-1] += 1
        else:
            chains.append([inputs, output])
            counts.append(1)
        last_output = output
    return "; ".join(_shorten(chain, count) for chain, count in zip(chains, counts, strict=True))


def hover_markdown(calls: list[LayerCall], result: TraceResult) -> str:
    """The full record of each call, then the trace's error if it happened on these calls."""
    parts = []
    for call in calls:
        head = f"**{call.name}** ({call.class_name})"
        facts = [f"{call.params:,} params" if call.params is not None else None,
                 call.device, f"called at {call.site.kind} site"
                 if call.site is not None and call.site.kind != "call" else None]
        head += "".join(f" · {fact}" for fact in facts if fact)
        lines = [head, "",
                 f"- input: {_tensors_detail(call.inputs)}",
                 f"- output: {'raised, see below' if call.failed else _tensors_detail(call.outputs)}"]
        parts.append("\n".join(lines))
    error = result.error
    if error is not None and any(call.failed for call in calls):
        parts.append(f"**{error.type_name}**: {error.message}")
    footer = f"*layerlint trace of {result.target}, input {format_shape(result.input_shape or ())}"
    footer += f", {result.device}*" if result.device else "*"
    return "\n\n---\n\n".join([*parts, footer])


def calls_at(note: LineNote, column: int) -> list[LayerCall]:
    """The innermost calls whose span holds the 1-based character `column`, else all."""
    inside = [call for call in note.calls if _span_holds(call.site, note.line, column)]
    if not inside:
        return list(note.calls)
    width = min(_span_width(call.site) for call in inside)
    innermost = [call for call in inside if _span_width(call.site) == width]
    seen: dict[tuple[str, str], LayerCall] = {}
    for call in innermost:  # a call in a loop: one record per distinct layer is enough
        seen.setdefault((call.name, call.shapes_text()), call)
    return list(seen.values())


def error_site(result: TraceResult, path: str) -> SourceSite | None:
    if result.error is None or not same_file(result.error.site, path):
        return None
    return result.error.site


def _shorten(chain: list[str], count: int) -> str:
    if len(chain) - 1 <= MAX_CHAIN:
        return " -> ".join(chain)
    return f"{chain[0]} -> ... -> {chain[-1]} ({count} calls)"


def _tensors_text(tensors: tuple) -> str:
    return ", ".join(item.shape_text() for item in tensors) or "()"


def _tensors_detail(tensors: tuple) -> str:
    return ", ".join(f"`{item.shape_text()}` {item.dtype}" for item in tensors) or "none"


def _span_holds(site: SourceSite | None, line: int, column: int) -> bool:
    if site is None or site.column is None or site.end_column is None:
        return False
    if site.end_line not in (None, line):
        return site.column <= column if site.line == line else False
    return site.column <= column <= site.end_column


def _span_width(site: SourceSite | None) -> int:
    if site is None or site.column is None or site.end_column is None:
        return 1 << 30
    if site.end_line not in (None, site.line):
        return 1 << 29
    return site.end_column - site.column
