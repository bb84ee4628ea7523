"""`layerlint check`: text and JSON output, exit codes, folders and notebooks."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"


def run_cli(*args: str, capsys) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_output_names_the_rule_line_and_fix(capsys):
    code, out, _ = run_cli("check", str(EXAMPLE), capsys=capsys)
    assert code == 1
    assert f"{EXAMPLE}:21:26: LL101 [error]" in out
    assert "fix available: Split bn into bn_1/bn_2" in out


def test_json_output_has_the_documented_fields(capsys):
    code, out, _ = run_cli("check", "--format", "json", str(EXAMPLE), capsys=capsys)
    (record,) = json.loads(out)
    assert code == 1
    assert {key: record[key] for key in ("code", "name", "severity", "line", "column")} == {
        "code": "LL101", "name": "stateful-layer-reused", "severity": "error", "line": 21,
        "column": 26,
    }
    assert set(record) >= {"path", "end_line", "end_column", "message", "fixes", "related"}
    assert record["fixes"][0]["title"] == "Split bn into bn_1/bn_2"


def test_fail_on_and_ignore_change_the_exit_code(capsys):
    assert run_cli("check", "--ignore", "LL101", str(EXAMPLE), capsys=capsys)[0] == 0
    assert run_cli("check", "--select", "LL2", str(EXAMPLE), capsys=capsys)[0] == 0


def test_fail_on_error_passes_a_file_with_only_warnings(tmp_path, capsys):
    source = EXAMPLE.read_text().replace("Conv2D(16,", "Conv2D(6,")  # same channels: a chain
    path = tmp_path / "model.py"
    path.write_text(source)
    code, out, _ = run_cli("check", "--fail-on", "error", str(path), capsys=capsys)
    assert "LL101 [warning]" in out and code == 0
    assert run_cli("check", str(path), capsys=capsys)[0] == 1


def test_folders_are_walked_and_virtualenvs_skipped(tmp_path, capsys):
    (tmp_path / "pkg").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "pkg" / "model.py")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / ".venv" / "lib" / "vendored.py")
    code, out, _ = run_cli("check", "--format", "json", str(tmp_path), capsys=capsys)
    paths = {record["path"] for record in json.loads(out)}
    assert code == 1 and paths == {str(tmp_path / "pkg" / "model.py")}


def test_notebook_findings_point_at_cell_and_line(tmp_path, capsys):
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    split = next(i for i, line in enumerate(lines) if line.startswith("class FeatureExtractor"))
    cells = [
        {"cell_type": "code", "source": ["%matplotlib inline\n", *lines[:split]], "metadata": {},
         "outputs": [], "execution_count": None},
        {"cell_type": "markdown", "source": ["# The model\n"], "metadata": {}},
        {"cell_type": "code", "source": lines[split:], "metadata": {}, "outputs": [],
         "execution_count": None},
    ]
    notebook = tmp_path / "model.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))
    code, out, _ = run_cli("check", str(notebook), capsys=capsys)
    second_bn = next(i for i, line in enumerate(lines[split:], 1) if "self.bn(self.conv_2" in line)
    assert code == 1
    assert f"{notebook}:cell 3:{second_bn}:26: LL101 [error]" in out


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    code, _, err = run_cli("check", str(tmp_path / "nope.py"), capsys=capsys)
    assert code == 2 and "no such file" in err


def test_unparsable_notebook_is_reported_not_crashed(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    code, _, err = run_cli("check", str(bad), capsys=capsys)
    assert code == 2 and "not a notebook" in err


@pytest.mark.parametrize(
    "entry", [["-m", "layerlint"], ["-c", "from layerlint.cli import main; raise SystemExit(main())"]]
)
def test_python_dash_m_is_the_same_cli(entry):
    result = subprocess.run([sys.executable, *entry, "check", str(EXAMPLE)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "LL101 [error]" in result.stdout


def test_sarif_output_lists_rules_and_results(capsys):
    code, out, _ = run_cli("check", "--format", "sarif", str(EXAMPLE), capsys=capsys)
    sarif = json.loads(out)
    run = sarif["runs"][0]
    assert code == 1 and sarif["version"] == "2.1.0"
    assert "LL101" in {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    (result,) = run["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (result["ruleId"], result["level"], region["startLine"]) == ("LL101", "error", 21)
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 20


def test_fix_rewrites_the_file_and_leaves_nothing_to_report(tmp_path, capsys):
    path = tmp_path / "model.py"
    shutil.copy(EXAMPLE, path)
    code, out, err = run_cli("check", "--fix", "--unsafe-fixes", str(path), capsys=capsys)
    assert code == 0 and out == ""
    assert "fixed: Split bn into bn_1/bn_2" in err
    fixed = path.read_text()
    assert "self.bn_1 = BatchNormalization()" in fixed and "self.bn_2(self.conv_2(x))" in fixed
