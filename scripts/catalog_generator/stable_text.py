"""Text that stays the same from run to run: variable names, error summaries, argument descriptions.

Live objects carry counters (`dense_3`) and memory addresses that depend on what the process did
before; the catalog must change only when a framework does.
"""

from __future__ import annotations

import re
from typing import Any

AUTO_NAME_SUFFIX = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*)_\d+\b")


def variable_name(path: str, layer_name: str) -> str:
    """A variable's path relative to its layer, without the counters in auto-generated names.

    Counters (`dense_3`) depend on how many layers were made earlier in the process; keeping
    them would make the output change whenever a layer is added to the framework.
    """
    path = path.removesuffix(":0")
    path = path.removeprefix(layer_name + "/")
    *scopes, leaf = path.split("/")
    return "/".join([AUTO_NAME_SUFFIX.sub(r"\1", scope) for scope in scopes] + [leaf])


def summarize_error(exc: BaseException) -> str:
    """One stable line: the exception type and its most telling line, without addresses."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    skip = ("Exception encountered", "Arguments received", "•", "Traceback")
    telling = next((line for line in lines if not line.startswith(skip)), "")
    telling = re.sub(r"0x[0-9a-fA-F]+", "0x…", telling)
    telling = AUTO_NAME_SUFFIX.sub(r"\1", telling)
    if len(telling) > 160:
        telling = telling[:157] + "..."
    return f"{type(exc).__name__}: {telling}" if telling else type(exc).__name__


def describe_argument(value: Any) -> Any:
    """A JSON-stable description of a probe argument (objects become `<ClassName>`)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [describe_argument(item) for item in value]
    if isinstance(value, dict):
        return {str(key): describe_argument(item) for key, item in value.items()}
    return f"<{getattr(value, '__name__', type(value).__name__)}>"
