"""LL102 weights-shape-mismatch: a layer with input-shape-bound weights called on inputs of
provably different shape.

What goes wrong: Dense, ConvND and other layers create their kernel from the first input they
see. A second call with a different last dimension crashes at the first run: Keras raises
`Input 0 of layer 'dense' is incompatible with the layer: expected axis -1 of input shape to
have value 64, but received input with shape (1, 32)`; torch raises `mat1 and mat2 shapes cannot
be multiplied`. Always an error: the model cannot run.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.rules.reuse_messages import (
    channels_text,
    first_line,
    input_shape_bound,
    layer_label,
    make_finding,
)
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.findings import Finding, Severity

CODE = "LL102"
NAME = "weights-shape-mismatch"
SEVERITY = Severity.ERROR


def check(facts: BlockFacts) -> Iterable[Finding]:
    for case in facts.reuse_cases:
        if case.category == "weighted" and case.proven_mismatch and input_shape_bound(case):
            line = first_line(facts, case)
            where = (
                f"after its first call on line {line}" if line
                else "inside a loop that feeds it its own output"
            )
            message = (
                f"{layer_label(case)} is called again here {where}. Its weights were built for "
                f"its first input ({channels_text(case.first_channels)}); this call passes "
                f"{channels_text(case.channels)}, so the model crashes on its first run with an "
                "incompatible-shape error. Give each call its own layer."
            )
            yield make_finding(facts, case, CODE, NAME, SEVERITY, message)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A weighted layer is called again on an input of a different shape.",
    fix_title="Split the layer: one instance per call site.",
    fix_safety="unsafe",
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras

inputs = keras.Input(shape=(32,))
dense = keras.layers.Dense(64)
x = dense(inputs)
outputs = dense(x)  # LL102: the kernel is (32, 64); this input has 64 features
""",
        fix="Give each call its own layer (`Split dense into dense_1/dense_2`).",
        fix_safety=(
            "Each call site gets its own layer: the model gains weights (shared ones become separate), "
            "so its parameter count and checkpoint layout change; deliberate sharing (LL103) would be "
            "undone."
        ),
        when_to_ignore=(
            "Hardly ever: the two inputs provably differ in the dimension the weights were built for, "
            "so the second call fails the first time it runs. If that code never runs, delete it rather"
            " than silence the finding."
        ),
    ),
)
