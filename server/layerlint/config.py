"""Settings: one typed source of truth, read from `[tool.layerlint]` in pyproject.toml and
overridden by editor settings or command-line flags.

Every value is validated on the way in against its type and allowed values. A bad value
becomes a `SettingsProblem` naming where it came from, the key, what was given and what is
allowed. The command line is strict (`load_settings` and `settings_from_mapping` raise
`SettingsError`, and `layerlint` exits 2, as ruff does for an invalid configuration); the
language server is lenient (`read_pyproject` and `validated_overrides` keep the valid values,
fall back to the default for the bad ones, and return the problems for one warning).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from layerlint.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tested by loading tomli in its place)
    import tomli as tomllib

SeverityName = Literal["error", "warning", "information", "hint"]
TraceDevice = Literal["auto", "cpu", "gpu"]
_Choice = TypeVar("_Choice", bound=str)


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()
    """Rule codes or prefixes to report (empty: all)."""
    ignore: tuple[str, ...] = ()
    """Rule codes or prefixes never to report."""
    severity: dict[str, SeverityName] = field(default_factory=dict)
    """Per-code severity overrides, e.g. {"LL103": "hint"}."""
    keras_version: str | None = None
    """The project's Keras version for version-aware rules; None: read it from the environment."""
    fail_on: SeverityName = "warning"
    """`layerlint check` exits 1 when a finding is at or above this severity."""
    input_shape: tuple[int, ...] | None = None
    """Default input shape for the shape trace."""
    trace_timeout: float = 60.0
    trace_device: TraceDevice = "auto"
    python: str | None = None
    """Interpreter for the shape-trace kernel (default: the server's own)."""
    trace_existing_kernel: str | None = None
    """Trace in this running kernel (a Jupyter connection file, or its bare name)."""
    trace_gateway_url: str | None = None
    """Trace in a kernel started through this Jupyter Kernel/Enterprise Gateway."""
    trace_gateway_token: str | None = field(default=None, repr=False)
    """The gateway's token (editor settings; LAYERLINT_GATEWAY_TOKEN wins). Never logged."""
    trace_gateway_kernel: str | None = None
    """The gateway's kernel spec name (default: the gateway's default)."""
    trace_gateway_validate_cert: bool = True
    trace_memory_limit: int | None = None
    """The local trace kernel's memory limit in MB (default: 3/4 of the machine's; 0: none)."""
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


# ---------------------------------------------------------------------------------------------
# problems


@dataclass(frozen=True)
class SettingsProblem:
    """One rejected value: where it came from, the key as written, the value, what is allowed."""

    source: str
    key: str
    given: Any
    allowed: str
    fallback: str = ""
    """What is used instead (for the server's warning), e.g. `the default "warning"`."""

    unknown_key: bool = False

    def message(self) -> str:
        if not self.allowed:  # a problem with the file itself (unreadable, not TOML)
            return f"{self.source}: {self.given}"
        if self.unknown_key:
            return f"{self.source}: unknown setting `{self.key}`; expected {self.allowed}"
        return (f"{self.source}: invalid value for `{self.key}`: {_show(self.given)}; "
                f"expected {self.allowed}")


class SettingsError(ValueError):
    """Invalid settings, for the command line: the message lists every problem."""

    def __init__(self, problems: list[SettingsProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(problem.message() for problem in problems))


class _Invalid(ValueError):
    def __init__(self, allowed: str) -> None:
        super().__init__(allowed)
        self.allowed = allowed


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


# ---------------------------------------------------------------------------------------------
# one validator per setting: raw value -> typed value, or _Invalid(what is allowed)

_SELECTOR = re.compile(r"LL[0-9]{0,3}")
_CODE = re.compile(r"LL[0-9]{3}")
_VERSION = re.compile(r"[0-9]+(\.[0-9]+){0,2}([.\-+]?[0-9A-Za-z.+\-]*)?")
_SEVERITIES: tuple[SeverityName, ...] = get_args(SeverityName)
_DEVICES: tuple[TraceDevice, ...] = get_args(TraceDevice)


def _one_of(choices: tuple[str, ...]) -> str:
    return "one of " + ", ".join(f'"{choice}"' for choice in choices)


def _rule_selectors(value: Any) -> tuple[str, ...]:
    allowed = 'a list of rule codes or prefixes, e.g. ["LL1", "LL205"]'
    if not isinstance(value, (list, tuple)):
        raise _Invalid(allowed)
    selectors = []
    for item in value:
        if not isinstance(item, str):
            raise _Invalid(allowed)
        selector = item.strip().upper()
        if selector and not _SELECTOR.fullmatch(selector):
            raise _Invalid(allowed)
        if selector:
            selectors.append(selector)
    return tuple(selectors)


def _choice(value: Any, choices: tuple[_Choice, ...]) -> _Choice:
    """One of a closed set (a `Literal`'s values), matched without case or outer spaces."""
    given = value.strip().lower() if isinstance(value, str) else None
    for choice in choices:
        if choice == given:
            return choice
    raise _Invalid(_one_of(choices))


def _severity_name(value: Any) -> SeverityName:
    return _choice(value, _SEVERITIES)


def _keras_version(value: Any) -> str:
    if isinstance(value, str) and _VERSION.fullmatch(value.strip()):
        return value.strip()
    raise _Invalid('a version string such as "3.8.0" or "2.15"')


def _input_shape(value: Any) -> tuple[int, ...]:
    allowed = 'positive integers, as a list [1, 32, 32, 3] or a string "1,32,32,3"'
    try:
        shape = parse_shape(value)
    except (TypeError, ValueError) as error:
        raise _Invalid(allowed) from error
    if not shape or any(dimension <= 0 for dimension in shape):
        raise _Invalid(allowed)
    return shape


def _positive_seconds(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e9:
        return float(value)
    raise _Invalid("a positive number of seconds")


def _trace_device(value: Any) -> TraceDevice:
    return _choice(value, _DEVICES)


def _interpreter(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _Invalid("the path of a Python interpreter")


def _text(allowed: str) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise _Invalid(allowed)
    return validate


def _gateway_url(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"(https?|wss?)://[^\s/]+(/\S*)?", value.strip()):
        return value.strip()
    raise _Invalid('an http(s):// URL of a Jupyter Kernel or Enterprise Gateway')


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid("true or false")


def _megabytes(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _Invalid("a whole number of megabytes (0: no limit)")


def _path_patterns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(item for item in value if item.strip())
    raise _Invalid('a list of .gitignore-style patterns, e.g. ["build/", "*_pb2.py"]')


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "select": _rule_selectors,
    "ignore": _rule_selectors,
    "keras_version": _keras_version,
    "fail_on": _severity_name,
    "input_shape": _input_shape,
    "trace_timeout": _positive_seconds,
    "trace_device": _trace_device,
    "python": _interpreter,
    "trace_existing_kernel": _text("a Jupyter connection file, or its name in Jupyter's runtime folder"),
    "trace_gateway_url": _gateway_url,
    "trace_gateway_token": _text("the gateway's token"),
    "trace_gateway_kernel": _text("a kernel spec name of the gateway"),
    "trace_gateway_validate_cert": _flag,
    "trace_memory_limit": _megabytes,
    "exclude": _path_patterns,
    "extend_exclude": _path_patterns,
    "cache_dir": _text("a folder for layerlint check's cache"),
}
"""Every setting but `severity` (a table, validated entry by entry in `_severity_table`)."""


def _severity_table(value: Any, key: str, source: str) -> tuple[dict[str, SeverityName] | None,
                                                                 list[SettingsProblem]]:
    if not isinstance(value, Mapping):
        return None, [SettingsProblem(source, key, value, 'a table of rule codes to severities, '
                                      'e.g. { LL103 = "hint" }', "each rule's own severity")]
    table: dict[str, SeverityName] = {}
    problems = []
    for code, name in value.items():
        entry = f"{key}.{code}"
        normalized = str(code).strip().upper()
        if not _CODE.fullmatch(normalized):
            problems.append(SettingsProblem(source, entry, code, "a rule code such as LL103 as the "
                                            "key", "the rule's own severity"))
            continue
        try:
            table[normalized] = _severity_name(name)
        except _Invalid as invalid:
            problems.append(SettingsProblem(source, entry, name, invalid.allowed,
                                            "the rule's own severity"))
    return table, problems


PROJECT_ONLY: frozenset[str] = frozenset({"exclude", "extend_exclude", "cache_dir"})
"""Settings of `layerlint check` over a tree, read from pyproject.toml (or flags) only. Every
other field is also an editor setting, `layerlint.<editor_key(name)>`: `Settings` is the one
list of keys, and tests/test_config_editor_keys.py holds the VS Code extension's manifest
(package.json) and `vscode-extension/src/settings.ts` to its keys, types, defaults and choices."""


def editor_key(name: str) -> str:
    """The editor's (camelCase) spelling of a setting: `fail_on` -> `failOn`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def editor_keys() -> tuple[str, ...]:
    """The `Settings` fields an editor sends, in their declared order."""
    return tuple(item.name for item in fields(Settings) if item.name not in PROJECT_ONLY)


def _spellings(name: str) -> tuple[str, ...]:
    return (name, name.replace("_", "-"), editor_key(name))


_KEY_NAMES: dict[str, str] = {
    spelling: item.name for item in fields(Settings) for spelling in _spellings(item.name)
}
"""`fail_on`, `fail-on` and `failOn` all name `Settings.fail_on`."""


# ---------------------------------------------------------------------------------------------
# reading mappings (TOML tables, editor JSON, command-line flags)


def validated_overrides(
    raw: Mapping[str, Any], source: str, *, unknown_keys: bool = False
) -> tuple[dict[str, Any], list[SettingsProblem]]:
    """The valid values of `raw` as `Settings` field names and typed values, and a problem for
    each invalid one (and, with `unknown_keys`, for each key that is not a setting)."""
    changes: dict[str, Any] = {}
    problems: list[SettingsProblem] = []
    defaults = Settings()
    for key, value in raw.items():
        name = _KEY_NAMES.get(str(key))
        if name is None:
            if unknown_keys:
                problems.append(_unknown_key(source, str(key)))
            continue
        if value is None:  # JSON null: not set
            continue
        if name == "severity":
            table, entry_problems = _severity_table(value, str(key), source)
            problems.extend(entry_problems)
            if table is not None:
                changes[name] = table
            continue
        try:
            changes[name] = VALIDATORS[name](value)
        except _Invalid as invalid:
            problems.append(SettingsProblem(source, str(key), value, invalid.allowed,
                                            _default_phrase(getattr(defaults, name))))
    return changes, problems


def _default_phrase(default: Any) -> str:
    if default is None or default == ():
        return "no value (the default)"
    return f"the default {_show(default)}"


def _unknown_key(source: str, key: str) -> SettingsProblem:
    import difflib  # here: only a misspelt key needs it

    names = sorted({name.replace("_", "-") for name in _KEY_NAMES.values()})
    close = difflib.get_close_matches(key.replace("_", "-"), names, n=1)
    allowed = (f"a known setting (did you mean `{close[0]}`?)" if close
               else "one of " + ", ".join(names))
    return SettingsProblem(source, key, key, allowed, "nothing (the key is ignored)",
                           unknown_key=True)


def apply_overrides(base: Settings, changes: Mapping[str, Any]) -> Settings:
    """`base` with validated changes (from `validated_overrides`) applied."""
    return replace(base, **changes) if changes else base


def settings_from_mapping(
    raw: Mapping[str, Any], base: Settings | None = None, source: str = "settings"
) -> Settings:
    """Strict: settings from a loose mapping (editor JSON, command-line flags), ignoring unknown
    keys; raises `SettingsError` for an invalid value."""
    changes, problems = validated_overrides(raw, source)
    if problems:
        raise SettingsError(problems)
    return apply_overrides(base or Settings(), changes)


def parse_shape(value: Any) -> tuple[int, ...]:
    """Accept `1,32,32,3`, `(1, 32, 32, 3)` or a list of ints."""
    if isinstance(value, str):
        parts = [part for part in value.strip().strip("()[]").replace(" ", "").split(",") if part]
        return tuple(int(part) for part in parts)
    if not isinstance(value, (list, tuple)) or any(
        isinstance(item, bool) or not isinstance(item, int) for item in value
    ):
        raise TypeError("a shape is a list of integers")
    return tuple(value)


# ---------------------------------------------------------------------------------------------
# pyproject.toml


def find_pyproject(start: Path) -> Path | None:
    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_pyproject(pyproject: Path) -> tuple[Settings, list[SettingsProblem]]:
    """Lenient: `[tool.layerlint]` of one pyproject.toml, with a default for every invalid value
    and a problem for each (an unreadable file or invalid TOML: all defaults, one problem)."""
    source = str(pyproject)
    try:
        text = pyproject.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = f" (the file ends at line {text.count(chr(10)) + 1})" if "end of document" in str(
            error) else ""
        return Settings(), [SettingsProblem(source, "", f"not valid TOML: {error}{where}", "")]
    except (OSError, UnicodeDecodeError) as error:
        return Settings(), [SettingsProblem(source, "", f"cannot be read: {error}", "")]
    tool = data.get("tool", {})
    table = tool.get("layerlint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        return Settings(), [SettingsProblem(source, "tool.layerlint", table, "a table",
                                              "the defaults")]
    changes, problems = validated_overrides(table, f"{source} [tool.layerlint]", unknown_keys=True)
    return apply_overrides(Settings(), changes), problems


def load_settings(start: Path) -> Settings:
    """Strict: settings from the nearest pyproject.toml above `start` (defaults if none);
    raises `SettingsError` when that file or a value in it is invalid."""
    pyproject = find_pyproject(start.resolve())
    if pyproject is None:
        return Settings()
    settings, problems = read_pyproject(pyproject)
    if problems:
        raise SettingsError(problems)
    return settings
