"""LL105 incompatible-layer-input: a layer whose input is provably incompatible with it.

What goes wrong: the static shape inference (`analysis/shapes/infer.py`) follows the shapes
through the model from a known input (`keras.Input`, `input_shape=` on the first layer, data
made in the file and passed to `fit`, a concrete call) and finds a call the framework rejects
regardless of reuse: a wrong rank (an LSTM fed a rank-4 tensor: `expected ndim=3, found
ndim=4`; a Conv2D given `input_shape=(30, 30)`), a convolution or pooling whose output size
would be zero or negative, merge inputs of mismatched widths (Concatenate, Add), an
`Embedding(weights=[matrix])` whose matrix is not `(input_dim, output_dim)`, a Reshape whose
target size differs from the input's, or a model whose output cannot meet the targets made in the
file and passed to `fit` under a crossentropy loss (a Dense after a convolution with no Flatten
keeps the spatial axes). The model crashes when it is built or first run. Only
proven crashes are reported: where any shape is unknown, nothing is said.

Fix: make the input match what the layer expects (add the missing axis to the input shape,
matching widths before a merge). For a Dense after a convolution with no Flatten, the quick-fix
inserts `Flatten()` before the Dense, offered only when the shapes of the edited model prove
the crash gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.shapes.infer import CallShape, infer_source
from layerlint.findings import Finding, FixProposal, Related, Severity

CODE = "LL105"
NAME = "incompatible-layer-input"
SEVERITY = Severity.ERROR
SUMMARY = "A layer's input has a shape the layer provably rejects."
FIX = "Make the input shape match what the layer expects."


def check(facts: BlockFacts) -> Iterable[Finding]:
    if facts.shapes is None:
        return
    for call in facts.shapes.errors:
        site = SimpleNamespace(lineno=call.line, col_offset=call.column,
                               end_lineno=call.end_line, end_col_offset=call.end_column)
        inputs = ", ".join(shape.display() for shape in call.inputs)
        where = ""
        related: tuple[Related, ...] = ()
        fixes: tuple[FixProposal, ...] = ()
        if call.origin is not None and call.origin != call.line:
            where = f" (the shape comes from line {line_ref(call.origin)})"
            origin = SimpleNamespace(lineno=call.origin, col_offset=0, end_lineno=call.origin,
                                     end_col_offset=len(facts.lines[call.origin - 1])
                                     if call.origin <= len(facts.lines) else 0)
            related = (Related(facts.span(origin), f"input shape {inputs} made here"),)
        if call.targets is not None:
            message = (
                f"The model's output {call.output_text}, made by this {call.layer}, cannot meet "
                f"the targets {call.targets.display()} passed to fit on line "
                f"{line_ref(call.origin or call.line)}: {call.error}. The model crashes in fit."
            )
            related = ()
            fixes = _flatten_fix(facts, call)
        else:
            message = (
                f"{call.layer} cannot take its input {inputs}{where}: {call.error}. "
                "The model crashes here when it is built or first run."
            )
        yield Finding(code=CODE, name=NAME, severity=SEVERITY, span=facts.span(site),
                      message=message, related=related, fixes=fixes)


def _flatten_fix(facts: BlockFacts, call: CallShape) -> tuple[FixProposal, ...]:
    """`Insert Flatten() before the Dense on line N`, offered only when the static shapes of
    the edited text prove it: the error is gone and no other error appears."""
    if call.insertion is None:
        return ()
    line, text = call.insertion
    lines = facts.text.split("\n")
    edited = "\n".join([*lines[: line - 1], text, *lines[line - 1:]])
    after = infer_source(edited)
    if len(after.errors) >= len(facts.shapes.errors if facts.shapes else ()):
        return ()
    return (FixProposal(f"Insert {text.strip().rstrip(',')} before the Dense on line "
                        f"{line}", "insert-line", {"line": line, "text": text}),)
