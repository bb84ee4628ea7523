"""`layerlint.config.Settings` is the one list of setting keys: the VS Code extension's manifest
(package.json `contributes.configuration`) and its settings mapping
(`vscode-extension/src/settings.ts`) must offer exactly its editor keys, with matching types,
defaults and choices. A setting added, renamed or given a new choice in one place and not the
others fails here, naming the key.
"""

from __future__ import annotations

import json
import re
import types
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

from layerlint.config import PROJECT_ONLY, Settings, editor_key, editor_keys, validated_overrides

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "package.json"
SETTINGS_TS = ROOT / "vscode-extension" / "src" / "settings.ts"
HINTS = get_type_hints(Settings)


def _manifest_properties() -> dict[str, dict[str, Any]]:
    configuration = json.loads(MANIFEST.read_text(encoding="utf-8"))["contributes"]["configuration"]
    sections = configuration if isinstance(configuration, list) else [configuration]
    return {key.removeprefix("layerlint."): value
            for section in sections for key, value in section["properties"].items()}


PROPERTIES = _manifest_properties()
TS_TEXT = SETTINGS_TS.read_text(encoding="utf-8")


def _ts_string_list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", TS_TEXT, re.S)
    assert match, f"settings.ts has no `export const {name} = [...] as const`"
    return re.findall(r"'([^']*)'", match.group(1))


def _ts_interface(name: str) -> dict[str, str]:
    match = re.search(rf"export interface {name} \{{(.*?)\n\}}", TS_TEXT, re.S)
    assert match, f"settings.ts has no `export interface {name}`"
    return dict(re.findall(r"^\s*(\w+)\?: (.+?);", match.group(1), re.M))


def _ts_alias_values(alias: str) -> list[str]:
    """`export type Severity = (typeof SEVERITIES)[number]` -> the values of SEVERITIES."""
    match = re.search(rf"export type {alias} = \(typeof (\w+)\)\[number\];", TS_TEXT)
    assert match, f"settings.ts has no `export type {alias} = (typeof ...)[number]`"
    return _ts_string_list(match.group(1))


def _without_none(hint: Any) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in get_args(hint) if arg is not type(None)]
        assert len(rest) == 1, hint
        return rest[0]
    return hint


def _json_types(hint: Any) -> set[str]:
    """The JSON schema `type`s a manifest may declare for a setting of this Python type."""
    hint = _without_none(hint)
    origin = get_origin(hint)
    if hint is bool:
        return {"boolean"}
    if hint is int:
        return {"integer"}
    if hint is float:
        return {"number"}
    if hint is str or origin is Literal:
        return {"string"}
    if origin is dict:
        return {"object"}
    if origin is tuple and get_args(hint)[0] is int:
        return {"array", "string"}  # a shape is also written as text, "1,32,32,3" (parse_shape)
    if origin is tuple:
        return {"array"}
    raise AssertionError(f"no JSON type known for {hint}")


def _ts_type_matches(ts_type: str, hint: Any) -> bool:
    hint = _without_none(hint)
    origin = get_origin(hint)
    if origin is Literal:
        return _ts_alias_values(ts_type) == list(get_args(hint))
    if origin is tuple:
        return ts_type.endswith("[]") and _ts_type_matches(ts_type[:-2], get_args(hint)[0])
    if origin is dict:
        inner = re.fullmatch(r"Record<string, (.+)>", ts_type)
        return bool(inner) and _ts_type_matches(inner.group(1), get_args(hint)[1])
    return ts_type == {bool: "boolean", int: "number", float: "number", str: "string"}[hint]


def _closed_set(hint: Any) -> tuple[str, ...] | None:
    """The choices of a `Literal` setting, or of a table's `Literal` values."""
    hint = _without_none(hint)
    if get_origin(hint) is dict:
        hint = get_args(hint)[1]
    return get_args(hint) if get_origin(hint) is Literal else None


def _field(name: str) -> Field[Any]:
    return next(item for item in fields(Settings) if item.name == name)


def _default(name: str) -> Any:
    item = _field(name)
    return item.default_factory() if item.default_factory is not MISSING else item.default


EDITOR_KEYS = editor_keys()


def test_the_editor_keys_are_every_setting_but_the_project_only_ones() -> None:
    assert PROJECT_ONLY <= {item.name for item in fields(Settings)}
    assert len(EDITOR_KEYS) + len(PROJECT_ONLY) == len(fields(Settings))


def test_settings_ts_sends_exactly_the_editor_keys_in_order() -> None:
    assert _ts_string_list("SERVER_KEYS") == [editor_key(name) for name in EDITOR_KEYS]
    assert list(_ts_interface("ServerSettings")) == [editor_key(name) for name in EDITOR_KEYS]


def test_the_manifest_offers_every_editor_key() -> None:
    missing = [editor_key(name) for name in EDITOR_KEYS if editor_key(name) not in PROPERTIES]
    assert missing == []


def test_the_manifests_other_settings_are_not_server_settings() -> None:
    # The extension's own settings (its interpreter, how it starts the server, LSP tracing)
    # must not shadow a server setting under another spelling.
    client_only = set(PROPERTIES) - {editor_key(name) for name in EDITOR_KEYS}
    spellings = {spelling for item in fields(Settings)
                 for spelling in (item.name, item.name.replace("_", "-"), editor_key(item.name))}
    assert client_only and not client_only & spellings, client_only


@pytest.mark.parametrize("name", EDITOR_KEYS)
def test_manifest_type_and_choices_match(name: str) -> None:
    spec = PROPERTIES[editor_key(name)]
    declared = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    assert set(declared) <= _json_types(HINTS[name]), (name, declared, HINTS[name])
    choices = _closed_set(HINTS[name])
    if get_origin(_without_none(HINTS[name])) is dict:
        spec = spec.get("additionalProperties", {})
    if choices is None:
        assert "enum" not in spec, name
    else:
        assert tuple(spec.get("enum", ())) == choices, name


@pytest.mark.parametrize("name", EDITOR_KEYS)
def test_manifest_default_is_the_servers_default(name: str) -> None:
    spec, default = PROPERTIES[editor_key(name)], _default(name)
    if default is None:
        # "Not set": settings.ts sends nothing for an absent value or an empty string.
        assert spec.get("default", "") == "", name
    else:
        expected = list(default) if isinstance(default, tuple) else default
        assert spec.get("default") == expected, name
        assert validated_overrides({name: spec["default"]}, "manifest") == ({name: default}, [])


@pytest.mark.parametrize("name", EDITOR_KEYS)
def test_settings_ts_type_matches(name: str) -> None:
    ts_type = _ts_interface("ServerSettings")[editor_key(name)]
    assert _ts_type_matches(ts_type, HINTS[name]), (name, ts_type, HINTS[name])
