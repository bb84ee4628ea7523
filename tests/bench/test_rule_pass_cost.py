"""bench.rule_pass_cost: the report's medians, shares and new/old ratios."""

from __future__ import annotations

from bench.rule_pass_cost import _report


def test_report_prints_medians_shares_and_ratios(capsys) -> None:
    runs = {
        "old": [{"whole": 10.0, "_run_rules": 4.0, "class_reuse": 1.0},
                {"whole": 12.0, "_run_rules": 6.0, "class_reuse": 1.0},
                {"whole": 11.0, "_run_rules": 5.0, "class_reuse": 1.0}],
        "new": [{"whole": 8.0, "_run_rules": 2.0, "class_reuse": 1.0},
                {"whole": 8.0, "_run_rules": 2.0, "class_reuse": 1.0},
                {"whole": 9.0, "_run_rules": 3.0, "class_reuse": 1.0}],
    }
    _report("typing", runs, "ms per key")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# typing (ms per key, CPU time, median of 3)"
    assert lines[1] == "old: whole 11.000; _run_rules 5.000 (45%), class_reuse 1.000 (9%)"
    assert lines[2] == "new: whole 8.000; _run_rules 2.000 (25%), class_reuse 1.000 (12%)"
    assert lines[3] == "new/old: whole 0.73, _run_rules 0.40, class_reuse 1.00"


def test_report_without_a_base_has_no_ratios(capsys) -> None:
    _report("cold check", {"old": [], "new": [{"whole": 2.0, "_run_rules": 0.5,
                                                "class_reuse": 0.1}]}, "s")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["# cold check (s, CPU time, median of 1)",
                     "new: whole 2.000; _run_rules 0.500 (25%), class_reuse 0.100 (5%)"]
