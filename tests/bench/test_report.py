"""The result table: rows pooled per server and file, ratios to ruff on the same file."""

import json
from pathlib import Path

from bench.lsp_session import SessionResult
from bench.report import build_row, markdown, to_json


def _session(server, latencies, path="models_2000.py", server_rss_kib=2048, kinds=None):
    return SessionResult(
        edit_kinds=kinds if kinds is not None else ["key"] * len(latencies),
        server=server,
        path=Path(path),
        server_info=f"{server} 1.0",
        text_sync="incremental",
        open_ms=10.0,
        open_codes={"LL101": 2},
        latencies_ms=latencies,
        versioned_publishes=len(latencies) + 1,
        rss_kib=2048,
        server_rss_kib=server_rss_kib,
    )


def test_ratios_are_to_ruff_on_the_same_file_and_timeouts_are_visible():
    ruff = build_row([_session("ruff", [2.0] * 20)], 2012)
    slow = build_row([_session("layerlint", [4.0] * 19 + [None])], 2012)
    other_file = build_row([_session("layerlint", [1.0] * 20, "models_10000.py")], 10033)
    table = markdown([ruff, slow, other_file], ["## Title"])
    lines = {line.split(" | ")[2]: line for line in table.splitlines() if "| models_2000" in line}
    assert "| 2.00x | 2.00x |" in lines["layerlint"]
    assert "| 1.00x | 1.00x |" in lines["ruff"]
    assert "| 1 |" in lines["layerlint"]  # the timeout count
    assert "models_10000.py (10033 lines) | layerlint" in table
    assert "| - | - |" in table  # no ruff row for the 10k file, so no ratio

    record = json.loads(to_json([ruff, slow], {"command": "x"}))["results"][1]
    assert record["latency"]["max_ms"] is None  # the timeout, infinite, as null
    assert record["p50_ratio_to_ruff"] == 2.0


def test_rounds_pool_into_one_row():
    row = build_row([_session("ruff", [1.0, 2.0]), _session("ruff", [3.0, 4.0])], 2012)
    assert row.sessions == 2 and row.latency.samples == 4
    assert row.latency.p50_ms == 2.0 and row.rss_mib == 2.0


def test_ratios_are_to_ruff_in_the_same_workload():
    typing_ruff = build_row([_session("ruff", [2.0] * 20)], 2012, "typing")
    document_ruff = build_row([_session("ruff", [8.0] * 20)], 2012, "document")
    document = build_row([_session("layerlint", [4.0] * 20)], 2012, "document")
    table = markdown([typing_ruff, document_ruff, document], ["## Title"])
    (row,) = [line for line in table.splitlines() if line.startswith("| document |") and "layerlint" in line]
    assert "| 0.50x | 0.50x |" in row


def test_rss_shows_the_server_and_its_children_apart():
    alone = build_row([_session("ruff", [1.0])], 2012)
    with_child = build_row([_session("layerlint", [1.0], server_rss_kib=1024),
                            _session("layerlint", [1.0])], 2012)
    assert (with_child.rss_mib, with_child.server_rss_mib, with_child.children_rss_mib) == (2, 2, 1)
    table = markdown([alone, with_child], ["## Title"])
    rows = {line.split(" | ")[2]: line for line in table.splitlines() if "| models_2000" in line}
    assert "| 2 | yes |" in rows["ruff"] and "| 2 + 1 | yes |" in rows["layerlint"]


def test_the_slowest_edits_are_named_down_to_the_p95():
    """Which edits set the tail: 40 edits pooled from two sessions, so the nearest-rank p95 is
    the 38th of 40, the 3rd slowest; a timeout counts as the slowest."""
    first = _session("layerlint", [1.0] * 18 + [9.0, None],
                     kinds=["comment"] * 18 + ["paste", "delete"])
    second = _session("layerlint", [1.0] * 5 + [4.0] + [1.0] * 14,
                      kinds=["comment"] * 5 + ["paste"] + ["comment"] * 14)
    row = build_row([first, second], 2012, "document")
    assert row.slowest == ((1, 19, "delete", None), (1, 18, "paste", 9.0), (2, 5, "paste", 4.0))
    assert row.slowest[-1][3] == row.latency.p95_ms
    table = markdown([row], ["## Title"])
    assert ("- layerlint on models_2000.py, document: timeout (s1 #19 delete), 9.0 (s1 #18 paste),"
            " 4.0 (s2 #5 paste)") in table
    record = json.loads(to_json([row], {"command": "x"}))["results"][0]
    assert record["slowest"][0] == [1, 19, "delete", None]
