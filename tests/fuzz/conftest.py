"""Hypothesis keeps its example database and failure patches out of the repository; with
LAYERLINT_RELIABILITY_REPORT=file.json the number of inputs each fuzz test checked is added to
that file (the README's Reliability table)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import configuration

configuration.set_hypothesis_home_dir(
    os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or str(Path(tempfile.gettempdir()) / "layerlint-hypothesis")
)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    target = os.environ.get("LAYERLINT_RELIABILITY_REPORT")
    if not target:
        return
    from fuzz_invariants import RUN_COUNTS

    path = Path(target)
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures["fuzz"] = {**dict(sorted(RUN_COUNTS.items())), "total": sum(RUN_COUNTS.values())}
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))
