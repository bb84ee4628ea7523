"""LL104 dropout-reused: one Dropout instance applied at several sites.

What happens at runtime: nothing breaks. Dropout has no weights; Keras 3 and torch draw a
fresh mask on every call, so one instance at two sites behaves like two. The hint exists
because the sites then share one rate: tuning it for one position silently changes the other,
and `model.summary()` shows a single dropout where the code applies several. Hence the lowest
severity.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.rules.reuse_messages import first_line, layer_label, make_finding
from layerlint.findings import Finding, Severity

CODE = "LL104"
NAME = "dropout-reused"
SEVERITY = Severity.HINT
SUMMARY = "One Dropout instance is applied at several sites (harmless, but they share a rate)."
FIX = "Optional: one Dropout per site."


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
