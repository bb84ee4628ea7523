"""The latency benchmark's choice of servers: `--baseline` adds another checkout's server."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.latency import BASELINE, build_parser, server_commands, servers_to_run


def test_a_baseline_checkout_runs_as_a_server_of_its_own(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--servers", "layerlint", "ruff", "--baseline",
                                      str(tmp_path)])
    assert servers_to_run(args) == ["layerlint", "ruff", BASELINE]
    command = server_commands(args.baseline)[BASELINE]
    assert command[:2] == ["env", f"PYTHONPATH={(tmp_path / 'server').resolve()}"]
    assert command[2:] == [sys.executable, "-m", "layerlint", "serve"]


def test_without_a_baseline_the_servers_are_those_asked_for() -> None:
    args = build_parser().parse_args(["--servers", "ruff", "layerlint"])
    assert servers_to_run(args) == ["ruff", "layerlint"]
    assert BASELINE not in server_commands(None)
