"""`layerlint check` for CI: parallel output identical to serial, `--format github`,
`--statistics`, `--output-file`, `--exit-zero`, and fixes: `--fix` applies safe ones only,
`--diff` shows exactly what `--fix` writes, and a second `--fix` changes nothing."""

import difflib
import json
import shutil
from pathlib import Path

import pytest

from layerlint.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
FIXTURES = ROOT / "tests" / "fixtures"
REGISTER = FIXTURES / "custom" / "b_ll207_subclassed_model_saved.py"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_parallel_output_is_identical_to_serial(capsys, output_format):
    serial = run_cli(capsys, "check", "--no-cache", "--jobs", "1", "--format", output_format,
                     str(FIXTURES))
    parallel = run_cli(capsys, "check", "--no-cache", "--jobs", "3", "--format", output_format,
                       str(FIXTURES))
    assert serial[1].count("LL1") > 20  # many files with findings, so the order is tested
    assert parallel == serial


def test_cached_output_is_identical_to_analysed(capsys):
    first = run_cli(capsys, "check", "--jobs", "2", "--format", "json", str(FIXTURES))
    second = run_cli(capsys, "check", "--jobs", "2", "--format", "json", str(FIXTURES))
    assert first == second and json.loads(first[1])


def test_github_annotations(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "check", "--format", "github", str(EXAMPLE))
    (line,) = out.splitlines()
    assert code == 1
    assert line.startswith(f"::error title=layerlint (LL101),file={EXAMPLE},line=21,col=26,"
                           "endLine=21,endColumn=33::")
    assert f"::{EXAMPLE}:21:26: LL101 `self.bn`" in line


def test_github_annotations_escape_newlines_and_commas(tmp_path, capsys):
    from layerlint.batch.report import render

    record = {"code": "LL101", "name": "x", "severity": "hint", "line": 1, "column": 1,
              "end_line": 1, "end_column": 2, "message": "a\nb 100%", "related": [], "fixes": []}
    out = render([("dir,1/m:x.py", [record])], "github")
    assert out == ("::notice title=layerlint (LL101),file=dir%2C1/m%3Ax.py,line=1,col=1,endLine=1,"
                   "endColumn=2::dir,1/m:x.py:1:1: LL101 a%0Ab 100%25\n")


def test_statistics_count_findings_per_code(capsys):
    code, out, _ = run_cli(capsys, "check", "--statistics", str(FIXTURES / "reuse"))
    rows = [line.split("\t") for line in out.splitlines()]
    counts = {row[1]: int(row[0]) for row in rows}
    assert code == 1 and counts["LL101"] > 1 and "LL102" in counts
    assert [int(row[0]) for row in rows] == sorted(counts.values(), reverse=True)
    _, out, _ = run_cli(capsys, "check", "--statistics", "--format", "json", str(FIXTURES / "reuse"))
    assert {entry["code"]: entry["count"] for entry in json.loads(out)} == counts


def test_output_file_and_exit_zero(tmp_path, capsys):
    report = tmp_path / "reports" / "layerlint.json"
    code, out, _ = run_cli(capsys, "check", "--exit-zero", "--format", "json",
                           "--output-file", str(report), str(EXAMPLE))
    assert code == 0 and out == ""
    assert json.loads(report.read_text())[0]["code"] == "LL101"


def test_exit_zero_keeps_errors_an_error(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert run_cli(capsys, "check", "--exit-zero", str(bad), str(EXAMPLE))[0] == 2


def test_json_fixes_say_whether_they_are_safe(capsys):
    _, out, _ = run_cli(capsys, "check", "--format", "json", str(EXAMPLE), str(REGISTER))
    safety = {record["code"]: record["fixes"][0]["safety"] for record in json.loads(out)}
    assert safety == {"LL101": "unsafe", "LL207": "safe"}


def test_fix_applies_safe_fixes_only(tmp_path, capsys):
    model = tmp_path / "model.py"
    shutil.copy(EXAMPLE, model)
    code, out, err = run_cli(capsys, "check", "--fix", str(model))
    assert model.read_text() == EXAMPLE.read_text() and err == ""
    assert code == 1 and "fix available: Split bn into bn_1/bn_2 (unsafe fix: --unsafe-fixes)" in out


@pytest.mark.parametrize(("source", "flags"), [(REGISTER, []), (EXAMPLE, ["--unsafe-fixes"])])
def test_diff_shows_what_fix_writes_and_a_second_fix_changes_nothing(tmp_path, capsys, source, flags):
    path = tmp_path / "model.py"
    shutil.copy(source, path)
    original = path.read_text()
    code, diff, _ = run_cli(capsys, "check", "--diff", *flags, str(path))
    assert code == 1 and diff.startswith(f"--- {path}\n+++ {path}\n")
    assert path.read_text() == original  # --diff writes nothing

    code, _, err = run_cli(capsys, "check", "--fix", *flags, str(path))
    fixed = path.read_text()
    assert "fixed:" in err and fixed != original
    expected = "".join(difflib.unified_diff(original.splitlines(keepends=True),
                                            fixed.splitlines(keepends=True), str(path), str(path)))
    assert diff == expected

    _, _, err = run_cli(capsys, "check", "--fix", *flags, str(path))
    assert err == "" and path.read_text() == fixed
    assert run_cli(capsys, "check", "--diff", *flags, str(path))[:2] == (0, "")


def test_help_documents_every_flag(capsys):
    with pytest.raises(SystemExit):
        from layerlint.cli import build_parser

        build_parser().parse_args(["check", "--help"])
    out = capsys.readouterr().out
    for flag in ("--jobs", "--no-cache", "--cache-dir", "--exclude", "--extend-exclude",
                 "--force-exclude", "--format", "github", "--statistics", "--diff",
                 "--unsafe-fixes", "--fix", "--output-file", "--exit-zero", "exit status"):
        assert flag in out
    readme = (ROOT / "README.md").read_text()
    for flag in ("--jobs", "--no-cache", "--cache-dir", "--exclude", "--extend-exclude",
                 "--force-exclude", "--statistics", "--diff", "--unsafe-fixes", "--output-file",
                 "--exit-zero", "--format text|json|sarif|github", "--no-respect-gitignore"):
        assert flag in readme, flag


def test_diff_still_reports_unreadable_files(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    model = tmp_path / "model.py"
    shutil.copy(REGISTER, model)
    code, out, err = run_cli(capsys, "check", "--diff", str(bad), str(model))
    assert code == 2 and "not a notebook" in err and out.startswith(f"--- {model}")
