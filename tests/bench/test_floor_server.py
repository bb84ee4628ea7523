"""The floor server: `layerlint serve` answering every edit, with an analysis that finds nothing."""

import sys

from bench.edit_script import plan_typing
from bench.generate_models import write_models
from bench.latency import SERVER_COMMANDS, build_parser
from bench.lsp_session import SessionOptions, run_session


async def test_the_floor_server_publishes_every_version_and_no_finding(tmp_path):
    (path,) = write_models([300], tmp_path)
    edits = plan_typing(path.read_text(), 4)
    options = SessionOptions(warmup=1, edit_timeout=20.0, open_timeout=60.0)
    result = await run_session("layerlint-floor", SERVER_COMMANDS["layerlint-floor"], path, edits,
                               options, tmp_path / "floor.log")
    assert result.error is None
    assert result.server_info.startswith("layerlint")
    assert len(result.latencies_ms) == 3
    assert all(latency is not None and latency > 0 for latency in result.latencies_ms)
    assert result.versioned_publishes >= 4
    assert not result.open_codes and not result.peak_codes
    real = await run_session("layerlint", SERVER_COMMANDS["layerlint"], path, edits[:2], options,
                             tmp_path / "real.log")
    assert real.error is None and real.open_codes  # the same file, analysed: findings


def test_it_runs_only_when_asked_for():
    assert "layerlint-floor" not in build_parser().parse_args([]).servers
    assert build_parser().parse_args(["--servers", "layerlint-floor"]).servers == [
        "layerlint-floor"]
    assert SERVER_COMMANDS["layerlint-floor"][0] == sys.executable
