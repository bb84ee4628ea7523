"""The notebook surface of the shape trace: `%layerlint_trace`, inside the user's own kernel.

    %load_ext layerlint
    %layerlint_trace model (1, 32, 32, 3)
    %layerlint_trace FeatureExtractor 1,32,32,3 --device cpu

The first word is evaluated in the notebook's namespace: a live model (layer or torch module)
is traced as it is, a class is instantiated without arguments. The probe runs one forward pass
on zeros of the shape (batch included) right here, on the live objects, and the table comes
back as HTML with a plain-text repr. Nothing runs unless this magic is typed: it executes the
model's code, like the cell itself would.
"""

from __future__ import annotations

from typing import Any

from layerlint.config import parse_shape
from layerlint.trace.probe import trace_live
from layerlint.trace.results import TraceResult
from layerlint.trace.table import render_html, render_text

USAGE = "usage: %layerlint_trace MODEL_OR_CLASS (1, 32, 32, 3) [--device auto|cpu|gpu]"


class TraceDisplay:
    """What the magic returns: Jupyter shows the HTML, a terminal the text."""

    def __init__(self, result: TraceResult) -> None:
        self.result = result

    def _repr_html_(self) -> str:
        return render_html(self.result)

    def __repr__(self) -> str:
        return render_text(self.result, show_code=True).rstrip("\n")


def load_ipython_extension(ipython: Any) -> None:
    def layerlint_trace(line: str) -> TraceDisplay | None:
        try:
            expression, shape, device = parse_magic_line(line)
        except ValueError as error:
            print(f"{error}\n{USAGE}")
            return None
        target = ipython.ev(expression)
        model = target() if isinstance(target, type) else target
        return TraceDisplay(trace_result(model, shape, device, expression))

    ipython.register_magic_function(layerlint_trace, magic_kind="line",
                                    magic_name="layerlint_trace")


def trace_result(model: Any, shape: tuple[int, ...], device: str, label: str) -> TraceResult:
    result = TraceResult.from_json(trace_live(model, shape, device=device))
    return result.with_changes(target=label)


def parse_magic_line(line: str) -> tuple[str, tuple[int, ...], str]:
    """`model (1, 32, 32, 3) --device cpu` -> ("model", (1, 32, 32, 3), "cpu")."""
    words = line.split()
    device = "auto"
    if "--device" in words:
        at = words.index("--device")
        if at + 1 >= len(words):
            raise ValueError("--device needs a value")
        device = words[at + 1]
        del words[at:at + 2]
    if not words:
        raise ValueError("name the model or class to trace")
    expression, shape_text = words[0], "".join(words[1:])
    if not shape_text:
        raise ValueError("give the input shape, batch included")
    try:
        shape = parse_shape(shape_text)
    except ValueError as error:
        raise ValueError(f"bad input shape {shape_text!r}") from error
    if not shape:
        raise ValueError("give the input shape, batch included")
    return expression, shape, device
