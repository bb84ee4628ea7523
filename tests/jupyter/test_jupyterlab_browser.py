"""JupyterLab in a real browser: headless Chromium opens the bundled example as a notebook and
the LL101 diagnostic appears under the reused `self.bn` in the model's cell.

Two routes, one JupyterLab each:
- `layerlint-server`: our server, ranked above pylsp with the `language_servers` priority
  setting docs/jupyter.md gives;
- `pylsp-plugin`: no ranking; JupyterLab keeps pylsp, which reports our findings through the
  plugin (needs the `pylsp` entry point installed), with a layerlint setting passed through
  pylsp's `serverSettings` (LL101 as a warning), as docs/jupyter.md shows.

Runs where Chromium, Node.js, `playwright-core` and JupyterLab with jupyterlab-lsp are
installed (`scripts/ci_jupyter.sh`); skips otherwise, saying which is missing. Set
`LAYERLINT_SCREENSHOT_DIR=docs` to refresh the documentation screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import Any

import pytest
from jupyter_process import layerlint_registration, running_jupyter
from notebook_examples import MODEL_CELL, ROOT, SECOND_CALL, example_cells, write_notebook

from layerlint.jupyter_spec import SERVER_KEY

SCRIPT = Path(__file__).parent / "browser" / "show_diagnostic.cjs"
NODE_PATH = os.environ.get(
    "LAYERLINT_NODE_PATH", str(ROOT / ".ci-cache" / "jupyter-node" / "node_modules")
)
CHROMIUM = os.environ.get("LAYERLINT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NODE = shutil.which("node")
DIAGNOSTIC_TIMEOUT_S = 120
NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}


def _missing() -> str | None:
    """What this machine lacks for the browser test, or None."""
    if not Path(CHROMIUM).is_file():
        return f"Chromium not found (looked for {CHROMIUM}; apt-get install chromium)"
    if NODE is None:
        return "Node.js not found"
    probe = subprocess.run(
        [NODE, "-e", "require.resolve('playwright-core')"], env={**os.environ, "NODE_PATH": NODE_PATH},
        capture_output=True, timeout=60, check=False,
    )
    if probe.returncode != 0:
        return f"playwright-core not found on NODE_PATH={NODE_PATH} (scripts/ci_jupyter.sh)"
    for package in ("jupyterlab", "jupyter-lsp", "jupyterlab-lsp"):
        try:
            distribution(package)
        except PackageNotFoundError:
            return f"{package} is not installed (scripts/ci_jupyter.sh)"
    return None


MISSING = _missing()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

PYLSP_PLUGIN_INSTALLED = any(
    entry.value == "layerlint.pylsp_plugin" for entry in entry_points(group="pylsp")
)
ROUTES = {
    "layerlint-server": {
        "settings": {"language_servers": {SERVER_KEY: {"priority": 100}}},
        "server": SERVER_KEY,
        "severity": "error",
        "screenshot": "jupyterlab-diagnostic.png",
    },
    "pylsp-plugin": {
        "settings": {"language_servers": {"pylsp": {"serverSettings": {
            "pylsp.plugins.layerlint.severity": {"LL101": "warning"},
        }}}},
        "server": "pylsp",
        "severity": "warning",
        "screenshot": "jupyterlab-pylsp-diagnostic.png",
    },
}


def show_diagnostic(url: str, screenshot: Path) -> dict[str, Any]:
    options = {
        "url": url, "screenshot": str(screenshot), "chromium": CHROMIUM,
        "timeoutMs": DIAGNOSTIC_TIMEOUT_S * 1000,
    }
    result = subprocess.run(
        [NODE, str(SCRIPT), json.dumps(options)], env={**os.environ, "NODE_PATH": NODE_PATH},
        capture_output=True, text=True, timeout=DIAGNOSTIC_TIMEOUT_S + 120, check=False,
    )
    assert result.returncode == 0, f"browser script failed:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("route", list(ROUTES))
def test_notebook_shows_ll101_in_the_model_cell(route: str, tmp_path: Path) -> None:
    if route == "pylsp-plugin" and not PYLSP_PLUGIN_INSTALLED:
        pytest.skip("the `pylsp` entry point `layerlint = layerlint.pylsp_plugin` is not installed")
    plan = ROUTES[route]
    root = tmp_path / "notebooks"
    root.mkdir()
    cells = example_cells()
    write_notebook(root / "feature_extractor.ipynb", cells)
    lab_settings = {
        "@jupyterlab/apputils-extension:notification": NO_NEWS,
        "@jupyter-lsp/jupyterlab-lsp:plugin": plan["settings"],
    }
    screenshot = tmp_path / plan["screenshot"]

    with running_jupyter(
        "lab", root, tmp_path / "jupyter-home",
        server_config=layerlint_registration(), lab_settings=lab_settings,
    ) as lab:
        shown = show_diagnostic(f"{lab.url}/lab/tree/feature_extractor.ipynb", screenshot)

    assert shown["cellIndex"] == MODEL_CELL
    assert shown["text"] == "self.bn"
    assert f"cm-lintRange-{plan['severity']}" in shown["classes"]
    assert SECOND_CALL in shown["lineText"]
    assert "BatchNormalization" in shown["hoverText"] and "layerlint" in shown["hoverText"]
    assert shown["connections"][plan["server"]] >= 1, shown["connections"]
    other_servers = {key: count for key, count in shown["connections"].items() if key != plan["server"]}
    assert not any(other_servers.values()), f"JupyterLab also connected to {other_servers}"
    assert screenshot.stat().st_size > 10_000
    target = os.environ.get("LAYERLINT_SCREENSHOT_DIR")
    if target:
        shutil.copyfile(screenshot, Path(target) / plan["screenshot"])
