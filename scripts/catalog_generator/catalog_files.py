"""Catalog files: their names, their JSON text, and the drift between a file and a fresh catalog.

The text is sorted and indented so that a regenerated file diffs line by line against the old.
"""

from __future__ import annotations

import json
from typing import Any

GENERATED_BY = "scripts/generate_catalog.py"


def catalog_file_name(framework: str, version: str, versioned: bool) -> str:
    """`keras.json`, or `keras-3.9.json` for data tied to one major.minor release."""
    if not versioned:
        return f"{framework}.json"
    major_minor = ".".join(version.split("+")[0].split(".")[:2])
    return f"{framework}-{major_minor}.json"


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def describe_drift(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable differences between two catalogs, one line per layer or header field."""
    problems = []
    for key in sorted((set(expected) | set(actual)) - {"layers"}):
        if expected.get(key) != actual.get(key):
            problems.append(f"{key}: {expected.get(key)!r} -> {actual.get(key)!r}")
    old, new = expected.get("layers", {}), actual.get("layers", {})
    for name in sorted(set(old) | set(new)):
        if name not in new:
            problems.append(f"{name}: in the file, no longer generated")
        elif name not in old:
            problems.append(f"{name}: generated, missing from the file")
        elif old[name] != new[name]:
            problems.append(f"{name}: {describe_changes(old[name], new[name])}")
    return problems


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    return ", ".join(f"{key} {old.get(key)!r} -> {new.get(key)!r}" for key in changed)
