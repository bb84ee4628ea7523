"""Quick-fixes: one libcst transformation per module, looked up by the proposal's `kind`.

Fixes run only when the user asks for one, never on the typing path, so libcst's cost is paid
once per request and only on the code the fix touches. A fix module declares `KIND` and
`apply(source, data) -> str`; the registry finds it by those names.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from layerlint.findings import FixProposal

FixFunction = Callable[[str, dict[str, Any]], str]


class FixError(Exception):
    """The fix cannot be applied to this text (it changed, or the code is not as expected)."""


class FixUnavailable(FixError):
    """No fix can run in this interpreter: libcst is missing (the VS Code extension's universal
    bundle carries none; diagnostics work without it)."""


@cache
def _registry() -> dict[str, FixFunction]:
    try:
        import libcst  # noqa: F401 - every fix is a libcst rewrite
    except ImportError as error:
        raise FixUnavailable(
            f"quick fixes need libcst, which {sys.executable} cannot import ({error}); "
            f"`{sys.executable} -m pip install libcst` enables them"
        ) from error
    registry: dict[str, FixFunction] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, str) and callable(getattr(module, "apply", None)):
            registry[kind] = module.apply
    return registry


def apply_fix(source: str, proposal: FixProposal) -> str:
    """Return the whole new text of the document after applying `proposal` to `source`."""
    fix = _registry().get(proposal.kind)
    if fix is None:
        raise FixError(f"unknown fix kind {proposal.kind!r}")
    try:
        return fix(source, proposal.data)
    except RecursionError as error:  # libcst recurses once per nesting level of the code
        raise FixError("the code is nested too deeply for this fix") from error
