"""Static shapes in the editor: an inlay hint `⟨static⟩ (None, 29, 29, 6)` at the end of each
layer-call line whose output shape the static inference knows, and the shapes in hover. Shown
only where no trace of the document is current: traced shapes replace them."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from layerlint.analysis.shapes.infer import CallShape, infer_source
from layerlint.lsp.session import LayerlintServer

LABEL = "⟨static⟩"


def _calls_by_line(text: str, configured_input: tuple[int, ...] | None) -> dict[int, list[CallShape]]:
    shapes = infer_source(text, None, configured_input)
    by_line: dict[int, list[CallShape]] = {}
    for call in shapes.calls + shapes.errors:
        by_line.setdefault(call.end_line, []).append(call)
    return by_line


def _line_label(calls: list[CallShape]) -> str | None:
    """The shape the line ends with: its outermost (last-ending) call's output."""
    last = max(calls, key=lambda call: call.end_column)
    if last.error or not last.known:
        return None
    return f"{LABEL} {last.output_text}"


def inlay_hints(ls: LayerlintServer, text: str, lines: Sequence[str], first: int,
                last: int, configured_input: tuple[int, ...] | None = None) -> list[types.InlayHint]:
    """Hints for 1-based lines `first`..`last` of a document whose text is `text`
    (`configured_input`: the configured input shape, for models the code gives none)."""
    hints = []
    for line, calls in sorted(_calls_by_line(text, configured_input).items()):
        label = _line_label(calls)
        if label is None or not first <= line <= last or line > len(lines):
            continue
        content = lines[line - 1].rstrip("\r\n")
        position = types.Position(line=line - 1,
                                  character=ls.workspace.position_codec.client_num_units(content))
        tooltip = "\n".join(_describe(call) for call in calls)
        hints.append(types.InlayHint(position=position, label=label,
                                     kind=types.InlayHintKind.Type, padding_left=True,
                                     tooltip=tooltip))
    return hints


def hover(text: str, line: int,
          configured_input: tuple[int, ...] | None = None) -> types.Hover | None:
    """The static shapes of the calls on 1-based `line`, as Markdown."""
    calls = _calls_by_line(text, configured_input).get(line)
    if not calls:
        return None
    body = "\n".join(f"- {_describe(call)}" for call in sorted(calls, key=lambda c: c.column))
    value = f"**Static shapes** (inferred without running; a trace replaces them)\n\n{body}"
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value))


def _describe(call: CallShape) -> str:
    inputs = ", ".join(shape.display() for shape in call.inputs) or "(unknown)"
    if call.error and call.targets is not None:
        return (f"`{call.layer}`: model output {call.output_text} vs fit targets "
                f"{call.targets.display()} → error: {call.error}")
    if call.error:
        return f"`{call.layer}`: {inputs} → error: {call.error}"
    return f"`{call.layer}`: {inputs} → {call.output_text}"
