"""LL101 stateful-layer-reused: one normalization layer with moving statistics called twice.

What goes wrong: a BatchNormalization instance owns one set of moving mean/variance, sized by
the first input it sees. Called again on a tensor with a different channel count, Keras raises
at the first run: `Input 0 of layer 'batch_normalization' is incompatible with the layer:
expected axis -1 of input shape to have value 6, but received input with shape (1, 11, 11, 16)`
(torch: `running_mean should contain 6 elements not 16`). With equal shapes it runs, but both
positions update and use one set of statistics, so inference normalizes each position with a
blend of the two distributions.

Severity follows evidence: error when the inputs provably differ in channels (a crash);
warning for a chain (the second call consumes the first call's output through any operations,
or a loop feeds the layer its own output), when a sibling layer of the same constructor is
built but never used, when the author gives the other positions their own layer (bn1, bn2 each
called once), or when a loop gives its other layers one per iteration (`self.proj[i]`) but
shares this one; information when the calls look like deliberate sharing over independent
inputs.

The layer may come from an installed package (`timm.layers.BatchNormAct2d`, a keras-hub block
owning a BatchNormalization): its definition is found with jedi, without importing it.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.reuse import ReuseCase
from layerlint.analysis.rules.reuse_messages import (
    channels_text,
    first_line,
    indexed_siblings_text,
    layer_label,
    make_finding,
)
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.findings import Finding, Severity

CODE = "LL101"
NAME = "stateful-layer-reused"
SEVERITY = Severity.WARNING


def check(facts: BlockFacts) -> Iterable[Finding]:
    for case in facts.reuse_cases:
        if case.category == "stateful":
            yield make_finding(facts, case, CODE, NAME, severity(case), message(facts, case))


def severity(case: ReuseCase) -> Severity:
    if case.proven_mismatch:
        return Severity.ERROR
    if case.chain or case.unused_siblings or case.single_use_siblings or case.indexed_siblings:
        return Severity.WARNING
    return Severity.INFORMATION


def crash_text(case: ReuseCase) -> str:
    assert case.first_channels is not None and case.channels is not None
    expected, received = case.first_channels[0], case.channels[0]
    if case.spec.info is not None and case.spec.info.framework == "torch":
        return f"\"running_mean should contain {expected} elements not {received}\""
    return f"\"expected axis -1 of input shape to have value {expected}\""


def message(facts: BlockFacts, case: ReuseCase) -> str:
    label = layer_label(case)
    line = first_line(facts, case)
    where = f"after its first call on line {line}" if line else "on every iteration of the loop"
    if case.proven_mismatch:
        return (
            f"{label} is called again here {where}. It keeps one set of moving statistics sized "
            f"by its first input ({channels_text(case.first_channels)}); this call passes "
            f"{channels_text(case.channels)}, so the model crashes on its first run with "
            f"{crash_text(case)}. Give each call its own layer."
        )
    evidence = []
    if case.chain:
        evidence.append(
            "this call consumes what the earlier call produced (a chain), the shape of a "
            "copy-paste bug" if line else "each iteration consumes the previous iteration's output"
        )
    if case.unused_siblings:
        names = ", ".join(f"self.{name}" for name in case.unused_siblings)
        evidence.append(f"{names} of the same kind is built but never called; was it meant here?")
    if case.single_use_siblings:
        names = ", ".join(case.single_use_siblings)
        evidence.append(f"the other positions get their own layer ({names})")
    if case.indexed_siblings:
        evidence.append(indexed_siblings_text(case))
    detail = (
        "Both calls update and use one set of moving mean/variance, so at inference each "
        "position is normalized with statistics blended from both; if the channel counts "
        "differ the model crashes on its first run."
    )
    remedy = (
        "" if line else
        " Create one layer per iteration instead, e.g. `self.bns = [BatchNormalization() for _ in "
        "range(n)]` in __init__, called as `self.bns[i]` in the loop."
    )
    if evidence:
        return (
            f"{label} is called again here {where}. {detail} Evidence: {'; '.join(evidence)}."
            f"{remedy}"
        )
    return (
        f"{label} is shared with the call on line {line} on independent inputs. {detail} "
        "Fine if the sharing is deliberate; otherwise give each call its own layer."
        if line else
        f"{label} runs on every iteration of a loop over independent inputs. {detail} "
        f"Fine if the sharing is deliberate.{remedy}"
    )


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A layer with moving statistics (BatchNormalization) is called at several sites.",
    fix_title="Split the layer: one instance per call site.",
    fix_safety="unsafe",
    severity_by_evidence={
        Severity.ERROR: "when a crash is proven",
        Severity.WARNING: "for a chain or a slip",
        Severity.INFORMATION: "otherwise",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Block(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.conv = keras.layers.Conv2D(16, 3)
        self.bn = keras.layers.BatchNormalization()

    def call(self, x):
        x = self.bn(x)
        return self.bn(self.conv(x))  # LL101: one set of statistics for two positions
""",
        fix=(
            "Give each call its own layer (`Split bn into bn_1/bn_2`, also when the calls go through a "
            "local alias `bn = self.bn`, which the fix removes); inside a counted loop (`for i in "
            "range(n)`), one layer per iteration (`Give each iteration its own bn (self.bns[i])`)."
        ),
        fix_safety=(
            "Split the layer: each call site gets its own layer: the model gains weights (shared ones "
            "become separate), so its parameter count and checkpoint layout change; deliberate sharing "
            "(LL103) would be undone. One layer per iteration: more weights, new layer names and "
            "checkpoint paths."
        ),
        when_to_ignore=(
            "When the positions are meant to share one set of statistics (the same normalization "
            "applied to views of one distribution) and their inputs have the same channels: the "
            "information-level finding says the sharing looks deliberate. An error (a proven channel "
            "clash) is never safe to ignore: the model cannot run."
        ),
    ),
)
