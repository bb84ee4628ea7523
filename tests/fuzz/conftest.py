"""Hypothesis keeps its example database and failure patches out of the repository."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import configuration

configuration.set_hypothesis_home_dir(
    os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or str(Path(tempfile.gettempdir()) / "layerlint-hypothesis")
)
