"""Fix safety: every registered fix kind is classified, with a reason; unknown kinds are unsafe."""

from layerlint.fix_requests import REQUEST_TYPES
from layerlint.fixes.safety import FIX_SAFETY, fix_safety, is_applicable


def test_every_fix_kind_has_a_safety_and_a_reason():
    assert set(REQUEST_TYPES) == set(FIX_SAFETY)
    for kind, (safety, reason) in FIX_SAFETY.items():
        assert safety in ("safe", "unsafe") and len(reason) > 40, kind


def test_fixes_that_change_the_model_are_unsafe():
    for kind in ("split-layer", "layer-per-iteration", "wrap-module-container", "register-buffer",
                 "variable-to-add-weight"):
        assert fix_safety(kind) == "unsafe"
    assert fix_safety("register-serializable") == "safe"


def test_unknown_kinds_are_unsafe_and_need_the_flag():
    assert fix_safety("made-up") == "unsafe"
    assert not is_applicable("made-up", unsafe_fixes=False)
    assert is_applicable("made-up", unsafe_fixes=True)
    assert is_applicable("register-serializable", unsafe_fixes=False)
