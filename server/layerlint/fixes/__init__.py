"""Quick-fixes: one libcst transformation per module, looked up by the proposal's `kind`.

Fixes run only when the user asks for one, never on the typing path, so libcst's cost is paid
once per request and only on the code the fix touches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from layerlint.findings import FixProposal

FixFunction = Callable[[str, dict[str, Any]], str]


class FixError(Exception):
    """The fix cannot be applied to this text (it changed, or the code is not as expected)."""


def _registry() -> dict[str, FixFunction]:
    from layerlint.fixes import split_layer

    return {split_layer.KIND: split_layer.apply}


def apply_fix(source: str, proposal: FixProposal) -> str:
    """Return the whole new text of the document after applying `proposal` to `source`."""
    fix = _registry().get(proposal.kind)
    if fix is None:
        raise FixError(f"unknown fix kind {proposal.kind!r}")
    return fix(source, proposal.data)
