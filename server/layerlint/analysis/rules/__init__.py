"""The rule registry, generated from the rule modules themselves.

Every rule is one module here named `ll<code>_<name>.py` with CODE, NAME, SEVERITY, SUMMARY,
FIX, a docstring that explains what goes wrong at runtime, and `check(facts) -> Iterable[Finding]`.
Adding a rule is adding its file; the README table and docs/rules pages are generated from the
same modules (scripts/generate_rule_docs.py).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

_RULE_MODULE = re.compile(r"^ll\d{3}_\w+$")


def _discover() -> tuple[ModuleType, ...]:
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if _RULE_MODULE.match(info.name)
    ]
    return tuple(sorted(modules, key=lambda module: module.CODE))


RULES: tuple[ModuleType, ...] = _discover()
