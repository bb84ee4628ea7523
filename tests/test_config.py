"""Settings validation: every key checked against its type and allowed values, with a message
naming the file, the key, the value given and what is allowed; strict for the command line
(exit 2), lenient for the server (defaults for the bad values); Python 3.10's tomli reader."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args

import pytest

from layerlint import config
from layerlint.cli import main
from layerlint.config import (
    VALIDATORS,
    Settings,
    SettingsError,
    SeverityName,
    TraceDevice,
    load_settings,
    read_pyproject,
    settings_from_mapping,
    validated_overrides,
)
from layerlint.findings import Severity

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"

# (TOML line, key as written, value as shown in the message, a fragment of what is allowed)
INVALID = [
    ('severity = { LL101 = "warn" }', "severity.LL101", '"warn"', '"information"'),
    ('severity = { XY1 = "hint" }', "severity.XY1", '"XY1"', "rule code"),
    ('severity = "hint"', "severity", '"hint"', "table of rule codes"),
    ('select = "LL2"', "select", '"LL2"', "a list of rule codes"),
    ('select = ["LL2", "E501"]', "select", '["LL2", "E501"]', "a list of rule codes"),
    ("ignore = [101]", "ignore", "[101]", "a list of rule codes"),
    ('fail-on = "severe"', "fail-on", '"severe"', '"error", "warning"'),
    ("keras-version = 3.1", "keras-version", "3.1", "a version string"),
    ('keras-version = "latest"', "keras-version", '"latest"', "a version string"),
    ("input-shape = [1, 0, 3]", "input-shape", "[1, 0, 3]", "positive integers"),
    ('input-shape = "1,x"', "input-shape", '"1,x"', "positive integers"),
    ("input-shape = [1.5, 2]", "input-shape", "[1.5, 2]", "positive integers"),
    ("trace-timeout = -1", "trace-timeout", "-1", "a positive number"),
    ("trace-timeout = true", "trace-timeout", "true", "a positive number"),
    ('trace-device = "tpu"', "trace-device", '"tpu"', '"auto", "cpu", "gpu"'),
    ('python = ""', "python", '""', "the path of a Python interpreter"),
    ("failon = 2", "failon", None, "did you mean `fail-on`"),
]


def write_pyproject(folder: Path, body: str) -> Path:
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(f"[tool.layerlint]\n{body}\n", encoding="utf-8")
    return pyproject


@pytest.mark.parametrize(("line", "key", "shown", "allowed"), INVALID)
def test_invalid_value_names_file_key_value_and_what_is_allowed(
    tmp_path: Path, line: str, key: str, shown: str | None, allowed: str
) -> None:
    pyproject = write_pyproject(tmp_path, line)
    with pytest.raises(SettingsError) as raised:
        load_settings(tmp_path / "model.py")
    message = str(raised.value)
    assert str(pyproject) in message
    assert f"`{key}`" in message
    if shown is not None:
        assert shown in message
    assert allowed in message


@pytest.mark.parametrize(("line", "key", "shown", "allowed"), INVALID)
def test_the_server_reader_keeps_defaults_for_bad_values(
    tmp_path: Path, line: str, key: str, shown: str | None, allowed: str
) -> None:
    good, expected = ("python = 'py3'", "py3") if key != "python" else ("fail-on = 'error'", None)
    pyproject = write_pyproject(tmp_path, f"{line}\nignore_me_not = 1\n{good}")
    settings, problems = read_pyproject(pyproject)
    assert {problem.key for problem in problems} == {key, "ignore_me_not"}
    # The good value on the next line still applies; the bad one falls back to the default.
    assert settings.python == expected
    bad_field = key.split(".")[0].replace("-", "_")
    if bad_field in {item.name for item in fields(Settings)}:
        assert getattr(settings, bad_field) == getattr(Settings(), bad_field)
    assert all(problem.fallback for problem in problems)


def test_one_bad_severity_entry_keeps_the_others(tmp_path: Path) -> None:
    pyproject = write_pyproject(tmp_path, 'severity = { LL101 = "warn", ll103 = "Hint" }')
    settings, problems = read_pyproject(pyproject)
    assert settings.severity == {"LL103": "hint"}
    assert [problem.key for problem in problems] == ["severity.LL101"]
    assert problems[0].fallback == "the rule's own severity"


def test_invalid_toml_reports_the_parser_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.layerlint\n')
    with pytest.raises(SettingsError, match=r"not valid TOML: .*line 3"):
        load_settings(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nselect = ["LL1"\n')
    with pytest.raises(SettingsError, match=r"not valid TOML: .*end of document.*line 3"):
        load_settings(tmp_path)


def test_valid_spellings_are_accepted_and_normalized() -> None:
    settings = settings_from_mapping({
        "select": ["ll1", " LL205 ", ""], "ignore": ("LL104",), "severity": {"ll103": "HINT"},
        "keras-version": "3.0.0rc1", "failOn": "Error", "input_shape": "(1, 32, 32, 3)",
        "traceTimeout": 30, "trace-device": "GPU", "python": " /usr/bin/python3 ",
    })
    assert settings == Settings(
        select=("LL1", "LL205"), ignore=("LL104",), severity={"LL103": "hint"},
        keras_version="3.0.0rc1", fail_on="error", input_shape=(1, 32, 32, 3),
        trace_timeout=30.0, trace_device="gpu", python="/usr/bin/python3",
    )


def test_null_and_unknown_editor_keys_are_ignored() -> None:
    changes, problems = validated_overrides(
        {"failOn": None, "interpreter": "/x/python", "enable": True}, "editor")
    assert changes == {} and problems == []


def test_every_setting_has_a_validator() -> None:
    names = {item.name for item in fields(Settings)}
    assert names - {"severity"} == set(VALIDATORS)


def test_closed_sets_are_literal_types_matching_the_severity_enum() -> None:
    assert set(get_args(SeverityName)) == {severity.value for severity in Severity}
    assert get_args(TraceDevice) == ("auto", "cpu", "gpu")


def test_check_exits_2_with_the_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_pyproject(tmp_path, 'severity = { LL101 = "warn" }\nselect = "LL2"')
    model = tmp_path / "model.py"
    model.write_text(EXAMPLE.read_text())
    assert main(["check", str(model)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "`severity.LL101`" in err and "`select`" in err and str(tmp_path) in err


def test_check_rejects_a_bad_select_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.py"
    model.write_text("x = 1\n")
    assert main(["check", "--select", "LL1,W6", str(model)]) == 2
    assert "`select`" in capsys.readouterr().err


def test_python_3_10_reads_pyproject_with_tomli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.py as Python 3.10 imports it: `tomllib` is then tomli (a 3.10-only dependency)."""
    monkeypatch.setattr(sys, "version_info", (3, 10, 0, "final", 0))
    spec = importlib.util.spec_from_file_location("layerlint_config_310", config.__file__)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    assert module.tomllib.__name__ == "tomli"

    pyproject = write_pyproject(tmp_path, 'ignore = ["LL104"]\nfail-on = "error"')
    settings, problems = module.read_pyproject(pyproject)
    assert problems == [] and settings.ignore == ("LL104",) and settings.fail_on == "error"
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint\n")
    _, problems = module.read_pyproject(pyproject)
    assert "not valid TOML" in problems[0].message() and "line 1" in problems[0].message()


def test_pyproject_declares_tomli_for_python_3_10() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert "\"tomli>=1.1; python_version < '3.11'\"" in text
