"""The fix registry (`layerlint.fixes`): each request type has its fix; a missing libcst turns
every fix into one clear `FixUnavailable` (a `FixError`, so callers that skip inapplicable fixes
keep working)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar

import pytest

from layerlint import fixes
from layerlint.fix_requests import REQUEST_TYPES, AddSymbolicBuild, FixRequest, parse_fix_request

PROPOSAL = AddSymbolicBuild(title="Add Net.build() that builds its sublayers", class_name="Net")


def test_every_request_type_has_a_fix() -> None:
    assert set(fixes._MODULES) == set(REQUEST_TYPES.values())
    for request_type in REQUEST_TYPES.values():
        assert callable(fixes._fix_for(request_type)), request_type


def test_without_libcst_every_fix_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "libcst", None)  # `import libcst` now raises ImportError
    with pytest.raises(fixes.FixUnavailable, match="quick fixes need libcst") as raised:
        fixes.apply_fix("x = 1\n", PROPOSAL)
    assert isinstance(raised.value, fixes.FixError)
    assert f"`{sys.executable} -m pip install libcst`" in str(raised.value)


def test_with_libcst_unknown_kinds_are_still_plain_fix_errors() -> None:
    with pytest.raises(fixes.FixError, match="unknown fix kind") as raised:
        parse_fix_request("no-such-fix", {}, "t")
    assert not isinstance(raised.value, fixes.FixUnavailable)

    @dataclass(frozen=True, kw_only=True)
    class Unhandled(FixRequest):
        KIND: ClassVar[str] = "unhandled"

    with pytest.raises(fixes.FixError, match="no fix carries out Unhandled") as raised:
        fixes.apply_fix("x = 1\n", Unhandled(title="t"))
    assert not isinstance(raised.value, fixes.FixUnavailable)
