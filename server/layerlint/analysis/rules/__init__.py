"""The rule registry: every rule is one module here with CODE, NAME, SEVERITY, a docstring
that explains what goes wrong at runtime, and `check(facts) -> Iterable[Finding]`."""

from __future__ import annotations

from types import ModuleType

from layerlint.analysis.rules import (
    ll101_stateful_layer_reused,
    ll102_weights_shape_mismatch,
    ll103_shared_weights,
    ll104_dropout_reused,
)

RULES: tuple[ModuleType, ...] = (
    ll101_stateful_layer_reused,
    ll102_weights_shape_mismatch,
    ll103_shared_weights,
    ll104_dropout_reused,
)


def rule_by_code(code: str) -> ModuleType | None:
    return next((rule for rule in RULES if code == rule.CODE), None)
