"""LL102 weights-shape-mismatch: a layer with input-shape-bound weights called on inputs of
provably different shape.

What goes wrong: Dense, ConvND and other layers create their kernel from the first input they
see. A second call with a different last dimension crashes at the first run: Keras raises
`Input 0 of layer 'dense' is incompatible with the layer: expected axis -1 of input shape to
have value 64, but received input with shape (1, 32)`; torch raises `mat1 and mat2 shapes cannot
be multiplied`. Always an error: the model cannot run.

Fix: give each call its own layer (`Split dense into dense_1/dense_2`).
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
from layerlint.findings import Finding, Severity

CODE = "LL102"
NAME = "weights-shape-mismatch"
SEVERITY = Severity.ERROR
SUMMARY = "A weighted layer is called again on an input of a different shape."
FIX = "Split the layer: one instance per call site."


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
