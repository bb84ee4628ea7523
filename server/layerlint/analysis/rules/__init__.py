"""The rule registry: every rule's typed record (`rule.Rule`), in code order.

Each rule is one module here named `ll<code>_<name>.py` whose docstring explains what goes wrong
at runtime, with a `check(facts) -> Iterable[Finding]` and a `RULE = Rule(...)` record at the
end. Adding a rule is adding its file and one line below; the README table and the docs/rules
pages are generated from the records (scripts/generate_rule_docs.py).
"""

from __future__ import annotations

from layerlint.analysis.rules import (
    ll101_stateful_layer_reused,
    ll102_weights_shape_mismatch,
    ll103_shared_weights,
    ll104_dropout_reused,
    ll105_incompatible_layer_input,
    ll201_non_serializable_constructor_argument,
    ll202_tf_variable_in_layer,
    ll203_weights_created_in_call,
    ll204_python_side_effect_in_call,
    ll205_stateless_subclass_build_skipped,
    ll206_sublayers_without_build,
    ll207_unregistered_custom_object,
    ll208_loss_config_missing,
    ll301_module_in_plain_container,
    ll302_tensor_attribute_not_buffer,
)
from layerlint.analysis.rules.rule import FixSafety, Rule, RuleDocs

RULES: tuple[Rule, ...] = (
    ll101_stateful_layer_reused.RULE,
    ll102_weights_shape_mismatch.RULE,
    ll103_shared_weights.RULE,
    ll104_dropout_reused.RULE,
    ll105_incompatible_layer_input.RULE,
    ll201_non_serializable_constructor_argument.RULE,
    ll202_tf_variable_in_layer.RULE,
    ll203_weights_created_in_call.RULE,
    ll204_python_side_effect_in_call.RULE,
    ll205_stateless_subclass_build_skipped.RULE,
    ll206_sublayers_without_build.RULE,
    ll207_unregistered_custom_object.RULE,
    ll208_loss_config_missing.RULE,
    ll301_module_in_plain_container.RULE,
    ll302_tensor_attribute_not_buffer.RULE,
)

_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def fix_safety(code: str) -> FixSafety:
    """The safety of a finding's quick-fixes, by the finding's rule code; a code without a
    registered rule (or a rule without a fix) counts as unsafe."""
    rule = _BY_CODE.get(code)
    return (rule.fix_safety if rule else None) or "unsafe"


def is_applicable(code: str, unsafe_fixes: bool) -> bool:
    """Whether `--fix` (and `source.fixAll.layerlint`) applies the quick-fixes of a finding with
    this code (`unsafe_fixes`: `--unsafe-fixes` given)."""
    return unsafe_fixes or fix_safety(code) == "safe"


__all__ = ["RULES", "FixSafety", "Rule", "RuleDocs", "fix_safety", "is_applicable"]
