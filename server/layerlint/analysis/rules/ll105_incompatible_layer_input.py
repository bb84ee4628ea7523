"""LL105 incompatible-layer-input: a layer whose input is provably incompatible with it.

What goes wrong: the static shape inference (`analysis/shapes/infer.py`) follows the shapes
through the model from a known input (`keras.Input`, `input_shape=` on the first layer, data
made in the file and passed to `fit`, a concrete call, a `# layerlint: input-shape=` comment;
failing those, the configured input-shape for the file's one model no input reaches) and finds a
call the framework rejects regardless of reuse: a wrong rank (an LSTM fed a rank-4 tensor:
`expected ndim=3, found ndim=4`; a Conv2D given `input_shape=(30, 30)`), a convolution or
pooling whose output size would be zero or negative, merge inputs of mismatched widths
(Concatenate, Add), an `Embedding(weights=[matrix])` whose matrix is not `(input_dim,
output_dim)`, a `layer.set_weights([...])` with arrays made in the file whose shapes differ from
the weights Keras built for the layer (a Dense, a convolution or an Embedding, called before on
a known input, or added to a Sequential after its `Input`), a Reshape whose target size differs
from the input's, or a model whose output cannot meet the targets made in the file and passed to
`fit` under a crossentropy loss (a Dense after a convolution with no Flatten keeps the spatial
axes). The model crashes when it is built or first run. Only proven crashes are reported: where
any shape is unknown, nothing is said.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.shapes.infer import CONFIGURED, CallShape, infer_source
from layerlint.findings import Finding, Related, Severity
from layerlint.fix_requests import InsertLine

CODE = "LL105"
NAME = "incompatible-layer-input"
SEVERITY = Severity.ERROR


def check(facts: BlockFacts) -> Iterable[Finding]:
    if facts.shapes is None:
        return
    for call in facts.shapes.errors:
        site = SimpleNamespace(lineno=call.line, col_offset=call.column,
                               end_lineno=call.end_line, end_col_offset=call.end_column)
        inputs = ", ".join(shape.display() for shape in call.inputs)
        where = ""
        related: tuple[Related, ...] = ()
        fixes: tuple[InsertLine, ...] = ()
        if call.origin == CONFIGURED:
            configured = list(facts.shapes.configured_input or ())
            where = f" (the shape comes from the configured input-shape {configured})"
        elif call.origin is not None and call.origin != call.line:
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
        elif call.weights is not None:
            message = (
                f"{call.layer}.set_weights() gets weights that do not fit the layer, built on the "
                f"input {inputs}: {call.error}. The call crashes here."
            )
            related = ()
        else:
            message = (
                f"{call.layer} cannot take its input {inputs}{where}: {call.error}. "
                "The model crashes here when it is built or first run."
            )
        yield Finding(code=CODE, name=NAME, severity=SEVERITY, span=facts.span(site),
                      message=message, related=related, fixes=fixes)


def _flatten_fix(facts: BlockFacts, call: CallShape) -> tuple[InsertLine, ...]:
    """`Insert Flatten() before the Dense on line N`, offered only when the static shapes of
    the edited text prove it: the error is gone and no other error appears."""
    if call.insertion is None:
        return ()
    line, text = call.insertion
    lines = facts.text.split("\n")
    edited = "\n".join([*lines[: line - 1], text, *lines[line - 1:]])
    after = infer_source(edited, None, facts.shapes.configured_input if facts.shapes else None)
    if len(after.errors) >= len(facts.shapes.errors if facts.shapes else ()):
        return ()
    return (InsertLine(title=f"Insert {text.strip().rstrip(',')} before the Dense on line {line}",
                       line=line, text=text),)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A layer's input has a shape the layer provably rejects.",
    fix_title="Insert Flatten() before the Dense (only where the shapes prove it); otherwise none.",
    fix_safety="unsafe",
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras
from keras import layers

model = keras.Sequential([
    layers.Input((28, 28)),  # forgot the channel axis
    layers.Conv2D(32, 3, activation="relu"),  # LL105: expected min_ndim=4, found ndim=3
    layers.Flatten(),
    layers.Dense(10),
])
""",
        fix=(
            "Make the input match what the layer expects: add the missing axis to the input shape, "
            "match widths before a merge, fix the Reshape target. For a Dense after a convolution "
            "with no Flatten whose output cannot meet the `fit` targets, the quick-fix inserts "
            "`Flatten()` before the Dense; it is offered only when the static shapes of the edited "
            "model prove the crash gone."
        ),
        fix_safety=(
            "Inserts a layer: the Dense's kernel takes the flattened width, so the model's weights, "
            "parameter count and checkpoint layout change."
        ),
        when_to_ignore=(
            "Hardly ever: the finding is reported only when every shape on the way is known and the "
            "framework rejects the call. If the input shape layerlint assumed is not the one the "
            "code runs with (a `# layerlint: input-shape=` comment or a `build()` call that is out "
            "of date, or a configured `input-shape` that does not fit this file's model: it is "
            "used only where the code gives no input, first dim the batch), correct that "
            "instead."
        ),
    ),
)
