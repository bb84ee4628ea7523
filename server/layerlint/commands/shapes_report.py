"""`layerlint check --shapes`: the static shape of every layer call, printed per line, for people
outside editors (`path:line:column: Conv2D (None, 28, 28, 1) -> (None, 26, 26, 32)`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from layerlint.analysis.shapes.infer import CallShape, infer_source


def _line_text(path: Path, call: CallShape) -> str:
    inputs = ", ".join(shape.display() for shape in call.inputs) or "(unknown)"
    if call.error and call.targets is not None:
        return (f"{path}:{call.line}:{call.column + 1}: {call.layer} model output "
                f"{call.output_text} vs fit targets {call.targets.display()} -> error: {call.error}")
    if call.error:
        return f"{path}:{call.line}:{call.column + 1}: {call.layer} {inputs} -> error: {call.error}"
    return f"{path}:{call.line}:{call.column + 1}: {call.layer} {inputs} -> {call.output_text}"


def render_shapes(paths: list[Path],
                  input_shape_for: Callable[[Path], tuple[int, ...] | None] = lambda path: None,
                  ) -> str:
    """Per-line shapes of the Python files among `paths`, then how many calls got a shape
    (`input_shape_for`: a file's configured input shape)."""
    lines: list[str] = []
    known = total = 0
    for path in paths:
        if path.suffix != ".py":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        shapes = infer_source(text, None, input_shape_for(path))
        calls = sorted(shapes.calls + shapes.errors, key=lambda call: (call.line, call.column))
        lines.extend(_line_text(path, call) for call in calls)
        total += shapes.sites
        known += sum(1 for call in shapes.calls if call.known)
    lines.append(f"static shapes: {known} of {total} layer calls have a known output shape")
    return "\n".join(lines) + "\n"
