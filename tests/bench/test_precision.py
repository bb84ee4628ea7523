"""The precision run: corpus arguments, locations, counts, review list and the verdict tables."""

import json
import re
import sys
from pathlib import Path

import pytest

from bench.precision import (
    VERDICTS,
    compare,
    corpus_files,
    counts_table,
    location,
    main,
    parse_corpus,
    precision_rows,
    review_list,
    review_rows,
    run_layerlint,
    update_docs,
    verdict_key,
)

SERVER = str(Path(__file__).resolve().parents[2] / "server")


def _record(path, line, code, severity, message="Something is wrong.", cell=None):
    record = {"path": path, "line": line, "column": 1, "code": code, "severity": severity,
              "message": message}
    if cell is not None:
        record["cell"], record["cell_line"] = cell
    return record


FINDINGS = {
    "corpus-a": [
        _record("a.py", 3, "LL201", "error"),
        _record("a.py", 9, "LL201", "warning", "Two\nlines   of text."),
        _record("a.py", 12, "LL103", "information"),
        _record("nb.ipynb", 40, "LL202", "error", cell=(7, 2)),
    ],
    "corpus-b": [
        _record("b.py", 5, "LL201", "error"),
        _record("b.py", 6, "LL104", "hint"),
    ],
}


def test_corpus_arguments_name_their_roots():
    assert parse_corpus("keras-io=/data/keras-io") == ("keras-io", Path("/data/keras-io"))
    assert parse_corpus("/data/tf-docs") == ("tf-docs", Path("/data/tf-docs"))
    with pytest.raises(Exception, match="NAME=PATH"):
        parse_corpus("=/data")


def test_locations_are_the_cli_text_format_and_key_verdicts():
    assert location(FINDINGS["corpus-a"][0]) == "a.py:3"
    assert location(FINDINGS["corpus-a"][3]) == "nb.ipynb:cell 7:2"
    assert verdict_key("corpus-a", FINDINGS["corpus-a"][3]) == "corpus-a|nb.ipynb:cell 7:2|LL202"


def test_counts_table_has_a_row_per_corpus_and_rule_and_a_total():
    table = counts_table(FINDINGS).splitlines()
    assert table[0] == "| corpus | rule | error | warning | information | hint |"
    assert "| corpus-a | LL201 | 1 | 1 | 0 | 0 |" in table
    assert "| corpus-a | **all** | 2 | 1 | 1 | 0 |" in table
    assert "| corpus-b | LL104 | 0 | 0 | 0 | 1 |" in table


def test_review_list_holds_errors_and_warnings_only_on_one_line_each():
    lines = review_list(FINDINGS).splitlines()
    assert lines == [
        "corpus-a\ta.py:3\tLL201\terror\tSomething is wrong.",
        "corpus-a\ta.py:9\tLL201\twarning\tTwo lines of text.",
        "corpus-a\tnb.ipynb:cell 7:2\tLL202\terror\tSomething is wrong.",
        "corpus-b\tb.py:5\tLL201\terror\tSomething is wrong.",
    ]


REVIEW = {
    "corpus-a|a.py:3|LL201": {"verdict": "true-unreachable", "reason": "never saved"},
    "corpus-a|a.py:9|LL201": {"verdict": "false", "reason": "a | in the reason"},
    "corpus-b|b.py:5|LL201": {"verdict": "true-reachable", "reason": "saved to .keras"},
    "corpus-b|b.py:99|LL201": {"verdict": "false", "reason": "no longer reported"},
}


def test_precision_rows_count_verdicts_per_rule_and_unreviewed_findings():
    table = precision_rows(FINDINGS, REVIEW).splitlines()
    assert table[0].startswith("| rule | reviewed | true and reachable |")
    assert "| LL201 | 3 | 1 | 1 | 0 | 1 | 0 |" in table  # the stale b.py:99 verdict is not counted
    assert "| LL202 | 0 | 0 | 0 | 0 | 0 | 1 |" in table
    assert table[-1] == "| **all** | 3 | 1 | 1 | 0 | 1 | 1 |"


def test_review_rows_group_by_rule_and_escape_table_pipes():
    rows = review_rows(FINDINGS, REVIEW).splitlines()[2:]
    assert [row.split(" | ")[2] for row in rows] == ["LL201", "LL201", "LL201", "LL202"]
    assert "| corpus-a | `a.py:9` | LL201 | warning | false | a \\| in the reason |" in rows
    assert rows[-1].endswith("| not reviewed |  |")


def test_compare_lists_removed_added_and_regraded_errors_and_warnings():
    current = {
        "corpus-a": [
            _record("a.py", 3, "LL201", "information"),  # lowered: removed
            _record("a.py", 9, "LL201", "error"),  # warning -> error: re-graded
            _record("a.py", 12, "LL103", "warning", "New | finding."),  # information -> warning: added
            _record("nb.ipynb", 40, "LL202", "error", cell=(7, 2)),  # unchanged
        ],
        "corpus-b": [],  # b.py:5 gone: removed
    }
    verdicts = {**REVIEW, "corpus-a|a.py:3|LL201": {"verdict": "false", "pattern": "p1", "reason": "r"}}
    report = compare(FINDINGS, current, verdicts)
    assert report.startswith("2 errors/warnings removed (or lowered to information/hint), 1 added, "
                             "1 re-graded")
    assert "by baseline pattern (or verdict, for true findings): p1 1, true-reachable 1" in report
    added = report.split("### Added (1)")[1].split("###")[0]
    assert ("| corpus-a | `a.py:12` | LL103 | information -> warning | not reviewed |  "
            "| New \\| finding. |") in added
    regraded = report.split("### Re-graded (1)")[1].split("###")[0]
    assert "`a.py:9` | LL201 | warning -> error | false |" in regraded
    removed = report.split("### Removed (2)")[1]
    assert "| corpus-b | `b.py:5` | LL201 | error -> absent | true-reachable |" in removed
    assert "nb.ipynb" not in report


def test_update_docs_rewrites_only_the_generated_blocks():
    page = ("# Title\nprose\n<!-- generated by `cmd`: table -->\nold table\n<!-- end of generated table -->\n"
            "more prose\n<!-- generated by `cmd`: rows -->\nold\nrows\n<!-- end of generated rows -->\nend\n")
    updated = update_docs(page, "| new | table |", "| new | rows |")
    assert updated == page.replace("old table", "| new | table |").replace("old\nrows", "| new | rows |")
    with pytest.raises(ValueError, match="generated"):
        update_docs("# no markers\n", "t", "r")


def test_corpus_files_follow_the_cli_skips(tmp_path):
    for name in ("a.py", "sub/b.ipynb", "build/c.py", ".ipynb_checkpoints/d.ipynb", "e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    assert corpus_files(tmp_path) == [Path("a.py"), Path("sub/b.ipynb")]


REUSED_NORM = """\
from tensorflow import keras


class Block(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.conv_a = keras.layers.Conv2D(6, 3)
        self.conv_b = keras.layers.Conv2D(16, 3)
        self.bn = keras.layers.BatchNormalization()

    def call(self, x):
        x = self.bn(self.conv_a(x))
        return self.bn(self.conv_b(x))
"""


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", SERVER)
    (tmp_path / "block.py").write_text(REUSED_NORM)
    (tmp_path / "broken.ipynb").write_text('{"cells": [')  # not JSON: the CLI stops on it
    return tmp_path


def test_the_real_cli_runs_past_an_unreadable_notebook(corpus):
    records, unreadable = run_layerlint(corpus, corpus_files(corpus), python=sys.executable)
    assert unreadable == ["broken.ipynb"]
    assert {(record["path"], record["code"]) for record in records} >= {("block.py", "LL101")}


def test_a_corpus_without_python_files_is_counted_empty_not_run(tmp_path, capsys):
    (tmp_path / "README.md").write_text("no code here\n")
    assert main([f"empty={tmp_path}", "--out", str(tmp_path / "out")]) == 0
    assert "empty: " in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "findings.json").read_text()) == {"empty": []}


def test_main_writes_findings_and_the_review_list(corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([f"tiny={corpus}", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "tiny: " in printed and "1 unreadable: broken.ipynb" in printed
    assert "| tiny | LL101 |" in printed
    findings = json.loads((out / "findings.json").read_text())
    assert any(record["code"] == "LL101" for record in findings["tiny"])
    review = (out / "errors_warnings.tsv").read_text()
    assert review.startswith("tiny\tblock.py:13\tLL101\terror\t")

    verdicts = tmp_path / "verdicts.json"
    verdicts.write_text(json.dumps({"tiny|block.py:13|LL101": {"verdict": "true-reachable",
                                                               "reason": "6 vs 16 channels"}}))
    assert main(["--findings", str(out / "findings.json"), "--verdicts", str(verdicts),
                 "--markdown"]) == 0
    printed = capsys.readouterr().out
    assert "| LL101 | 1 | 1 | 0 | 0 | 0 | 0 |" in printed
    assert "| tiny | `block.py:13` | LL101 | error | true-reachable | 6 vs 16 channels |" in printed


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_checked_in_verdicts_are_well_formed_and_match_the_review_rows_of_the_docs():
    verdicts = json.loads((DOCS / "precision_verdicts.json").read_text(encoding="utf-8"))
    assert verdicts, "the baseline review has verdicts"
    for key, verdict in verdicts.items():
        corpus, where, code = key.split("|")
        assert corpus and re.fullmatch(r".+:(cell \d+:)?\d+", where) and re.fullmatch(r"LL\d{3}", code)
        assert verdict["verdict"] in VERDICTS and verdict["reason"].strip()
        assert verdict["severity"] in ("error", "warning")
    rows = [line for line in (DOCS / "precision.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"\| [\w-]+ \| `", line)]
    assert rows, "docs/precision.md lists the review rows"
    for row in rows:
        corpus, where, code, _severity, verdict, reason = (
            cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1])
        entry = verdicts[f"{corpus}|{where.strip('`')}|{code}"]
        assert (verdict, reason.replace("\\|", "|")) == (entry["verdict"], entry["reason"])
