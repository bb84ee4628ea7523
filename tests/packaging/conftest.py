"""Fixtures for the packaging tests: layerlint's wheel and a fresh virtual environment.

`.ci/run` builds the wheel and the sdist with `python -m build` first and names the wheel in
LAYERLINT_WHEEL; run alone, these tests build a wheel of the checkout themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_script(folder: Path, name: str) -> Path:
    return folder / ("Scripts" if os.name == "nt" else "bin") / name


def fresh_venv(folder: Path, with_pip: bool) -> Path:
    """A new virtual environment that knows nothing of the test environment's packages."""
    venv.EnvBuilder(with_pip=with_pip, clear=True).create(folder)
    return venv_python(folder)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus what would leak the test venv's packages into a child Python."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    return {**env, "PYTHONIOENCODING": "utf-8", **extra}


@pytest.fixture(scope="session")
def layerlint_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("LAYERLINT_WHEEL")
    if named:
        return Path(named).resolve()
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--wheel-dir", str(out), str(ROOT)], check=True)
    return next(out.glob("layerlint-*.whl"))
