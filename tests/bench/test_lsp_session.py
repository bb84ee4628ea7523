"""One short real session against `ruff server`: the client, the framing and the timing together.

Three keys on a small file, not the benchmark: it checks the plumbing, not the speed.
"""

import shutil
import sys
from pathlib import Path

import pytest

from bench.edit_script import plan_typing
from bench.generate_models import write_models
from bench.lsp_session import SessionOptions, run_session

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
async def test_ruff_session_times_every_edit(tmp_path):
    (path,) = write_models([300], tmp_path)
    edits = plan_typing(path.read_text(), 4)
    options = SessionOptions(warmup=1, edit_timeout=10.0, open_timeout=30.0)
    result = await run_session("ruff", [RUFF, "server"], path, edits, options, tmp_path / "ruff.log")
    assert result.error is None
    assert result.server_info.startswith("ruff")
    assert result.text_sync == "incremental"
    assert result.open_ms is not None and result.open_ms > 0
    assert len(result.warmup_ms) == 1 and len(result.latencies_ms) == 3
    assert result.edit_kinds == ["key"] * 3
    assert all(latency is not None and latency > 0 for latency in result.latencies_ms)
    assert result.versioned_publishes >= 4 and result.unversioned_publishes == 0
    assert result.rss_kib >= result.server_rss_kib > 0
    assert "F401" in result.open_codes  # the generated header's unused `import math`
    # "y =" is a syntax error: proof that the server saw the keys where they were typed.
    assert set(result.peak_codes) - set(result.open_codes)
