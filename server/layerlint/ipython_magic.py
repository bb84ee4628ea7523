"""The notebook surface of the shape trace: `%layerlint_trace`, inside the user's own kernel.

    %load_ext layerlint
    %layerlint_trace model (1, 32, 32, 3)
    %layerlint_trace FeatureExtractor 1,32,32,3 --device cpu
    %layerlint_trace model 1,32,32,3; 1,10:int32          (several inputs, see input_spec)

The first word is evaluated in the notebook's namespace: a live model (layer or torch module)
is traced as it is, a class is instantiated without arguments. The probe runs one forward pass
on zeros of the shape (batch included) right here, on the live objects, and the table comes
back as HTML with a plain-text repr. Nothing runs unless this magic is typed: it executes the
model's code, like the cell itself would.
"""

from __future__ import annotations

from typing import Any

from layerlint.trace.input_spec import InputSpec, parse_input_spec
from layerlint.trace.probe import trace_live
from layerlint.trace.results import TraceResult
from layerlint.trace.table import render_html, render_text

USAGE = ("usage: %layerlint_trace MODEL_OR_CLASS (1, 32, 32, 3) [--device auto|cpu|gpu]\n"
         "several inputs: 1,32,32,3; 1,10:int32  or  image=1,32,32,3; tokens=1,10:int32")


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


def trace_result(model: Any, shape: tuple[int, ...] | InputSpec, device: str,
                 label: str) -> TraceResult:
    inputs = shape.to_json() if isinstance(shape, InputSpec) else shape
    result = TraceResult.from_json(trace_live(model, inputs, device=device))
    return result.with_changes(target=label)


def parse_magic_line(line: str) -> tuple[str, tuple[int, ...] | InputSpec, str]:
    """`model (1, 32, 32, 3) --device cpu` -> ("model", (1, 32, 32, 3), "cpu"); several
    inputs or a dtype give an `InputSpec`."""
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
        spec = parse_input_spec(shape_text)
    except ValueError as error:
        raise ValueError(f"bad input shape {shape_text!r}: {error}") from error
    plain = spec.structure == "single" and not spec.tensors[0].dtype
    return expression, spec.shape if plain else spec, device
