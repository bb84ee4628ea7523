"""Fixtures for the packaging tests: layerlint's wheel.

`.ci/run` builds the wheel and the sdist with `python -m build` first and names the wheel in
LAYERLINT_WHEEL; run alone, these tests build a wheel of the checkout themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_env import ROOT


@pytest.fixture(scope="session")
def layerlint_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("LAYERLINT_WHEEL")
    if named:
        return Path(named).resolve()
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--wheel-dir", str(out), str(ROOT)], check=True)
    return next(out.glob("layerlint-*.whl"))
