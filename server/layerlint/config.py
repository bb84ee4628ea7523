"""Settings: one typed source of truth, read from `[tool.layerlint]` in pyproject.toml and
overridden by editor settings or command-line flags."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from layerlint.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()
    """Rule codes or prefixes to report (empty: all)."""
    ignore: tuple[str, ...] = ()
    """Rule codes or prefixes never to report."""
    severity: dict[str, str] = field(default_factory=dict)
    """Per-code severity overrides, e.g. {"LL103": "hint"}."""
    keras_version: str | None = None
    """The project's Keras version for version-aware rules; None: read it from the environment."""
    fail_on: str = "warning"
    """`layerlint check` exits 1 when a finding is at or above this severity."""
    input_shape: tuple[int, ...] | None = None
    """Default input shape for the shape trace."""
    trace_timeout: float = 60.0
    trace_device: str = "auto"
    python: str | None = None
    """Interpreter for the shape-trace kernel (default: the server's own)."""
    exclude: tuple[str, ...] | None = None
    """`layerlint check`: .gitignore-style patterns of paths never walked (None: the defaults,
    virtual environments, build folders and such; see `layerlint.batch.discover`)."""
    extend_exclude: tuple[str, ...] = ()
    """`layerlint check`: patterns excluded on top of `exclude`."""
    cache_dir: str | None = None
    """`layerlint check`'s cache folder (default: `.layerlint_cache` beside the pyproject.toml)."""

    def is_enabled(self, code: str) -> bool:
        if any(code.startswith(prefix) for prefix in self.ignore):
            return False
        return not self.select or any(code.startswith(prefix) for prefix in self.select)

    def severity_for(self, code: str, default: Severity) -> Severity:
        override = self.severity.get(code)
        return Severity(override) if override else default


def settings_from_mapping(raw: dict[str, Any], base: Settings | None = None) -> Settings:
    """Build settings from a loose mapping (TOML table or editor JSON), ignoring unknown keys."""
    base = base or Settings()
    known = {f.name for f in fields(Settings)}
    aliases = {"fail-on": "fail_on", "keras-version": "keras_version",
               "input-shape": "input_shape", "trace-timeout": "trace_timeout",
               "trace-device": "trace_device", "inputShape": "input_shape",
               "kerasVersion": "keras_version", "failOn": "fail_on",
               "traceTimeout": "trace_timeout", "traceDevice": "trace_device",
               "extend-exclude": "extend_exclude", "cache-dir": "cache_dir"}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        name = aliases.get(key, key)
        if name not in known or value is None:
            continue
        if name in ("select", "ignore"):
            value = tuple(str(item).strip().upper() for item in value if str(item).strip())
        elif name in ("exclude", "extend_exclude"):
            value = tuple(str(item) for item in ([value] if isinstance(value, str) else value))
        elif name == "input_shape":
            value = parse_shape(value)
        elif name == "severity":
            value = {str(k).upper(): str(v).lower() for k, v in dict(value).items()}
        elif name == "trace_timeout":
            value = float(value)
        changes[name] = value
    return replace(base, **changes)


def parse_shape(value: Any) -> tuple[int, ...]:
    """Accept `1,32,32,3`, `(1, 32, 32, 3)` or a list of ints."""
    if isinstance(value, str):
        parts = [part for part in value.strip().strip("()[]").replace(" ", "").split(",") if part]
        return tuple(int(part) for part in parts)
    return tuple(int(item) for item in value)


def find_pyproject(start: Path) -> Path | None:
    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path) -> Settings:
    """Settings from the nearest pyproject.toml above `start` (defaults if none or unreadable)."""
    pyproject = find_pyproject(start.resolve())
    if pyproject is None or tomllib is None:
        return Settings()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    table = data.get("tool", {}).get("layerlint", {})
    return settings_from_mapping(table) if isinstance(table, dict) else Settings()
