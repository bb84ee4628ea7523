"""Fresh virtual environments for the packaging tests, and an environment for child Pythons
that leaks nothing of the test environment's packages."""

from __future__ import annotations

import os
import venv
from pathlib import Path

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
