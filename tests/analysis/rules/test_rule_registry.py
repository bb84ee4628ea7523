"""The rule registry: one typed record per rule module, complete and self-consistent, and the
fix safety that `check --fix` and `source.fixAll.layerlint` read from it."""

import dataclasses
import pkgutil
import re

import pytest

from layerlint.analysis import analyse, rules
from layerlint.analysis.rules import RULES, Rule, fix_safety, is_applicable
from layerlint.findings import Severity


def test_every_rule_module_is_registered_once_in_code_order():
    modules = sorted(info.name for info in pkgutil.iter_modules(rules.__path__)
                     if re.match(r"ll\d{3}_", info.name))
    assert [rule.code for rule in RULES] == [f"LL{name[2:5]}" for name in modules]
    for name, rule in zip(modules, RULES):
        assert name == f"ll{rule.code[2:]}_{rule.name.replace('-', '_')}"


def test_every_record_is_complete():
    for rule in RULES:
        assert re.fullmatch(r"LL\d{3}", rule.code) and re.fullmatch(r"[a-z0-9-]+", rule.name)
        assert isinstance(rule.severity, Severity) and rule.summary.endswith(".")
        assert "What" in rule.docs.what_goes_wrong, f"{rule.code} must explain what goes wrong"
        assert rule.docs.example and rule.docs.fix and rule.docs.when_to_ignore, rule.code
        assert (rule.fix_safety is None) == (rule.fix_title == "") == (rule.docs.fix_safety == "")
        assert all(isinstance(severity, Severity) for severity in rule.severity_by_evidence)


def test_a_record_is_frozen_and_refuses_a_fix_without_a_safety():
    rule = RULES[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.code = "LL999"  # type: ignore[misc]
    with pytest.raises(ValueError, match="fix safety"):
        dataclasses.replace(rule, fix_safety=None)
    with pytest.raises(ValueError, match="say why"):
        dataclasses.replace(rule, docs=dataclasses.replace(rule.docs, fix_safety=""))


def test_severity_text_names_each_graded_severity_or_the_fixed_one():
    ll101 = next(rule for rule in RULES if rule.code == "LL101")
    assert ll101.severity_text.startswith("error when a crash is proven, warning for a chain")
    ll102 = next(rule for rule in RULES if rule.code == "LL102")
    assert ll102.severity_text == "error"


def test_only_registering_a_custom_object_is_a_safe_fix():
    assert {rule.code for rule in RULES if rule.fix_safety == "safe"} == {"LL207"}
    for code in ("LL101", "LL102", "LL201", "LL202", "LL204", "LL301", "LL302"):
        assert fix_safety(code) == "unsafe" and not is_applicable(code, unsafe_fixes=False)
        assert is_applicable(code, unsafe_fixes=True)
    assert is_applicable("LL207", unsafe_fixes=False)


def test_unknown_codes_and_rules_without_a_fix_count_as_unsafe():
    assert fix_safety("LL999") == "unsafe" and fix_safety("LL203") == "unsafe"
    assert not is_applicable("LL999", unsafe_fixes=False)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_the_page_example_is_reported_by_its_rule(rule: Rule):
    codes = {finding.code for finding in analyse(rule.docs.example).findings}
    assert rule.code in codes

