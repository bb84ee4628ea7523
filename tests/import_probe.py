"""Runs a few lines of Python in a fresh interpreter and returns what they print: the tests of
what a command or process imports (`sys.modules` after it started) use it, since the test
process itself has imported everything already."""

from __future__ import annotations

import subprocess
import sys


def printed_by(code: str, timeout: float = 120) -> str:
    """The standard output of `python -c code` (stdin empty), stripped; fails if it fails."""
    result = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout, check=True)
    return result.stdout.strip()
