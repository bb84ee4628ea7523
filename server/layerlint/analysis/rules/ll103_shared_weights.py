"""LL103 shared-weights: a weighted layer (Dense, Conv2D, LayerNormalization, ...) called at
several sites on inputs that are not proven to differ.

What goes wrong: nothing fails, and the framework says nothing: the calls share one set of
weights. Measured with Keras 3.15.1, a `Dense(4)` called on two `(None, 8)` inputs gives a model
of 36 parameters (`dense/kernel`, `dense/bias`) where two layers would have 72, and
`model.summary()` shows one `dense (Dense)` row connected to both inputs (`a[0][0], b[0][0]`);
with torch 2.13 one `nn.Linear(8, 4)` used twice has one `lin.weight` and one `lin.bias` in the
state_dict. Training updates the shared weights with the gradients of both sites. That is how
Siamese towers, tied embeddings and one head over several feature-pyramid levels are written, so
the default severity is information.

Severity: raised to warning on evidence of a slip: a sibling layer of the same constructor is
built but never called (`self.conv3` built, `self.conv2` called twice); the second call consumes
what the first produced, through any operations, in the same call mode (one LayerNormalization
before token mixing and again before channel mixing: a chain); or a loop that feeds the layer
its own output gives its other layers one per iteration (`self.convs[i]`) while sharing this
one. A call inside a loop that feeds it its own output with nothing indexed per iteration (an
RNN cell over time steps: recurrent weight tying) is not reported, nor is a second call that
consumes what such a loop produced (the cell run over the input, then on in a second loop to
predict what follows, as pytorch/examples' `time_sequence_prediction` does), nor a call that
takes exactly what an earlier call of the layer produced (that loop written out:
`Sequential([..., block, block])`, `block(block(x))`); a loop over independent inputs (one head
over several feature-pyramid levels) is, as information.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.rules.reuse_messages import (
    first_line,
    indexed_siblings_text,
    input_shape_bound,
    layer_label,
    make_finding,
)
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.findings import Finding, Severity

CODE = "LL103"
NAME = "shared-weights"
SEVERITY = Severity.INFORMATION


def check(facts: BlockFacts) -> Iterable[Finding]:
    for case in facts.reuse_cases:
        if case.category != "weighted" or (case.proven_mismatch and input_shape_bound(case)):
            continue
        if case.chain and case.recurrent:
            continue  # recurrent weight tying
        label = layer_label(case)
        line = first_line(facts, case)
        where = f"is called again here after line {line}" if line else "runs on every iteration of this loop"
        shape_note = (
            " If the inputs ever differ in shape, the model crashes on its first run."
            if input_shape_bound(case) else ""
        )
        evidence = []
        if case.unused_siblings:
            names = ", ".join(f"self.{name}" for name in case.unused_siblings)
            evidence.append(f"{names} of the same kind is built but never called")
        if case.chain and case.first is not None:
            evidence.append("this call consumes what the earlier call produced (a chain)")
        if case.chain and case.first is None:
            evidence.append(
                "each iteration consumes the previous iteration's output and "
                + indexed_siblings_text(case)
            )
        if evidence:
            severity = Severity.WARNING
            message = (
                f"{label} {where}: all calls share one set of weights. Evidence of a slip: "
                f"{'; '.join(evidence)}.{shape_note} Give each call its own layer unless the "
                "sharing is deliberate."
            )
        else:
            severity = SEVERITY
            message = (
                f"{label} {where}: all calls share one set of weights. Fine for deliberate "
                "sharing (Siamese towers, tied embeddings, one head over several levels)"
                + (
                    "; if the inputs ever differ in shape, the model crashes on its first run."
                    if shape_note else "."
                )
            )
        yield make_finding(facts, case, CODE, NAME, severity, message)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A weighted layer is reused; its weights are shared between the call sites.",
    fix_title="Split the layer if the sharing is not intended.",
    fix_safety="unsafe",
    severity_by_evidence={
        Severity.INFORMATION: "by default",
        Severity.WARNING: "for a chain, a loop slip or a sibling layer built but never used",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras

left = keras.Input(shape=(128,))
right = keras.Input(shape=(128,))
encoder = keras.layers.Dense(32)
a = encoder(left)
b = encoder(right)  # LL103: a and b come from one set of weights (a Siamese tower)
""",
        fix=(
            "When the sharing is not intended, give each call its own layer (`Split dense into "
            "dense_1/dense_2`; inside a counted loop, `Give each iteration its own norm "
            "(self.norms[i])`). When it is intended, keep the code."
        ),
        fix_safety=(
            "Split the layer: each call site gets its own layer: the model gains weights (shared ones "
            "become separate), so its parameter count and checkpoint layout change; deliberate sharing "
            "(LL103) would be undone. One layer per iteration: more weights, new layer names and "
            "checkpoint paths."
        ),
        when_to_ignore=(
            "When the sharing is the design: Siamese or twin towers, tied input and output embeddings, "
            "one head applied to every feature-pyramid level, a block applied repeatedly on purpose. "
            "The default severity (information) already marks these as probably deliberate; a warning "
            "means the code around the calls looks like a slip."
        ),
    ),
)
