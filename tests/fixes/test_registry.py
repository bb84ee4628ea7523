"""The fix registry (`layerlint.fixes`): a missing libcst turns every fix into one clear
`FixUnavailable` (a `FixError`, so callers that skip inapplicable fixes keep working)."""

from __future__ import annotations

import sys

import pytest

from layerlint import fixes
from layerlint.findings import FixProposal

PROPOSAL = FixProposal(title="Split bn into bn_1/bn_2", kind="split-layer", data={})


@pytest.fixture
def fresh_registry():
    fixes._registry.cache_clear()
    yield
    fixes._registry.cache_clear()


def test_without_libcst_every_fix_says_why(fresh_registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "libcst", None)  # `import libcst` now raises ImportError
    with pytest.raises(fixes.FixUnavailable, match="quick fixes need libcst") as raised:
        fixes.apply_fix("x = 1\n", PROPOSAL)
    assert isinstance(raised.value, fixes.FixError)
    assert f"`{sys.executable} -m pip install libcst`" in str(raised.value)


def test_with_libcst_unknown_kinds_are_still_plain_fix_errors(fresh_registry) -> None:
    with pytest.raises(fixes.FixError, match="unknown fix kind") as raised:
        fixes.apply_fix("x = 1\n", FixProposal(title="t", kind="no-such-fix", data={}))
    assert not isinstance(raised.value, fixes.FixUnavailable)
