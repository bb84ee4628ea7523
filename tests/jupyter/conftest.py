"""Registers the `browser` marker: tests that drive JupyterLab in headless Chromium.

They skip, saying why, where Chromium, Node.js or `playwright-core` is missing (`scripts/
ci_jupyter.sh` installs all three); `-m "not browser"` leaves them out on purpose.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (needs scripts/ci_jupyter.sh)"
    )
