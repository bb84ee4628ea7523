"""LL104 dropout-reused: one Dropout instance applied at several sites.

What goes wrong: nothing breaks, and the framework says nothing. Dropout has no weights and
draws a fresh mask on every call: measured with Keras 3.15.1 (TensorFlow backend), one
`Dropout(0.5)` applied twice to the same input with `training=True` zeroes different units at
the two sites (486 and 526 of 1000), and torch 2.13's `nn.Dropout` does the same; so one
instance at two sites behaves like two. What the sharing costs is tuning and visibility: the
sites share one rate (changing it for one position silently changes the other), and
`model.summary()` lists a single `dropout (Dropout)` row connected to both inputs where the code
applies it twice. Hence the lowest severity, and no quick-fix.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.rules.reuse_messages import first_line, layer_label, make_finding
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.findings import Finding, Severity

CODE = "LL104"
NAME = "dropout-reused"
SEVERITY = Severity.HINT


def check(facts: BlockFacts) -> Iterable[Finding]:
    for case in facts.reuse_cases:
        if case.category == "random":
            line = first_line(facts, case)
            where = f"is applied again here after line {line}" if line else "is applied on every iteration"
            message = (
                f"{layer_label(case)} {where}. "
                "Harmless at runtime (each call draws a fresh mask), but both sites share one "
                "rate and model.summary() shows one layer."
            )
            yield make_finding(facts, case, CODE, NAME, SEVERITY, message, with_fix=False)


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="One Dropout instance is applied at several sites (harmless, but they share a rate).",
    fix_title="",
    fix_safety=None,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras

inputs = keras.Input(shape=(64,))
drop = keras.layers.Dropout(0.5)
x = drop(keras.layers.Dense(64)(inputs))
outputs = drop(keras.layers.Dense(10)(x))  # LL104: both sites share one rate
""",
        fix=(
            "No quick-fix. If the sites should be tuned separately, give each its own `Dropout(rate)` "
            "by hand. Keep an unseeded copy per site: two copies built with the same `seed=` draw the "
            "same mask (measured with Keras 3.15.1), where the shared instance drew a fresh one per "
            "call."
        ),
        when_to_ignore=(
            "Usually: nothing breaks. Ignore it, or list LL104 under `ignore`, when one rate for every "
            "site is what you want."
        ),
    ),
)
