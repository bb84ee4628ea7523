"""JupyterLab in a real browser with layerlint's labextension: a notebook user fixes a
BatchNormalization reused across two cells from the context menu, and the notebook then runs.

The notebook builds the layer in one cell and calls it twice in the next, on 8 and then 16
channels (a crash on the first run). The script (`browser/quick_fix.cjs`) right-clicks the
underline and picks "layerlint: Quick Fix…" (on the pylsp route: Ctrl+. with the cursor on
it), then "Split bn into bn_1/bn_2"; both cells change,
one undo in the call cell reverts that cell alone, the diagnostic goes away, and "Run All
Cells" runs every cell in the notebook's kernel without an error; then "Trace shapes" on the
call cell shows the live kernel's shapes under it, line by line. Both routes: layerlint's own
server, and pylsp with layerlint's plugin. Skips like `test_jupyterlab_browser.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jupyter_process import layerlint_registration, running_jupyter
from notebook_examples import write_notebook
from test_jupyterlab_browser import (
    CHROMIUM,
    MISSING,
    NO_NEWS,
    NODE,
    NODE_PATH,
    PYLSP_PLUGIN_INSTALLED,
    ROUTES,
)

SCRIPT = Path(__file__).parent / "browser" / "quick_fix.cjs"
TIMEOUT_S = 180
pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

LAYERS_CELL = 1
CALLS_CELL = 2
CELLS = [
    ("code", "import numpy as np\nimport keras\nfrom keras import layers"),
    ("code", 'bn = layers.BatchNormalization()\nconv_1 = layers.Conv2D(8, 3, padding="same")\n'
             'conv_2 = layers.Conv2D(16, 3, padding="same")'),
    ("code", "inputs = keras.Input((32, 32, 3))\nx = bn(conv_1(inputs))\ny = bn(conv_2(x))\n"
             "model = keras.Model(inputs, y)"),
    ("markdown", "One forward pass:"),
    ("code", 'model(np.zeros((1, 32, 32, 3), dtype="float32")).shape'),
]
VIA = {"layerlint-server": "context-menu", "pylsp-plugin": "keyboard"}
"""How the quick-fix menu is opened: right-click on the underline, or Ctrl+. at the cursor."""
SCREENSHOTS = {
    "layerlint-server": {"menu": "jupyterlab-quick-fix-menu.png",
                         "applied": "jupyterlab-quick-fix-applied.png",
                         "trace": "jupyterlab-trace-shapes.png"},
    "pylsp-plugin": {"menu": "jupyterlab-pylsp-quick-fix-menu.png"},
}


def run_flow(url: str, screenshots: dict[str, Path], via: str) -> dict[str, Any]:
    options = {
        "url": url, "chromium": CHROMIUM, "timeoutMs": TIMEOUT_S * 1000,
        "trace": "trace" in screenshots, "via": via,
        "screenshots": {name: str(path) for name, path in screenshots.items()},
    }
    result = subprocess.run(
        [NODE, str(SCRIPT), json.dumps(options)], env={**os.environ, "NODE_PATH": NODE_PATH},
        capture_output=True, text=True, timeout=TIMEOUT_S * 4, check=False,
    )
    assert result.returncode == 0, f"browser script failed:\n{result.stderr[-6000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("route", list(ROUTES))
def test_quick_fix_from_the_context_menu_edits_both_cells(route: str, tmp_path: Path) -> None:
    if route == "pylsp-plugin" and not PYLSP_PLUGIN_INSTALLED:
        pytest.skip("the `pylsp` entry point `layerlint = layerlint.pylsp_plugin` is not installed")
    root = tmp_path / "notebooks"
    root.mkdir()
    write_notebook(root / "reused_bn.ipynb", CELLS)
    lab_settings = {
        "@jupyterlab/apputils-extension:notification": NO_NEWS,
        "@jupyter-lsp/jupyterlab-lsp:plugin": ROUTES[route]["settings"],
    }
    shots = {name: tmp_path / file for name, file in SCREENSHOTS[route].items()}

    with running_jupyter(
        "lab", root, tmp_path / "jupyter-home",
        server_config=layerlint_registration(), lab_settings=lab_settings,
    ) as lab:
        shown = run_flow(f"{lab.url}/lab/tree/reused_bn.ipynb", shots, VIA[route])

    code_cells = [source for kind, source in CELLS if kind == "code"]
    assert shown["before"][: len(CELLS)] == [source for _, source in CELLS][: len(shown["before"])]
    # The message names the first call by its code, not by a line of JupyterLab's concatenation.
    assert "after its first call on `x = bn(conv_1(inputs))`" in shown["hoverText"]
    assert shown["offered"] == ["Split bn into bn_1/bn_2"]
    after = shown["after"]
    assert after[LAYERS_CELL].startswith(
        "bn_1 = layers.BatchNormalization()\nbn_2 = layers.BatchNormalization()\n")
    assert after[CALLS_CELL] == code_cells[2].replace("bn(conv_1", "bn_1(conv_1").replace(
        "bn(conv_2", "bn_2(conv_2")
    assert after[0] == code_cells[0] and after[-1] == code_cells[-1]
    assert shown["underlinesAfterFix"] == 0
    # Undo in the call cell reverts that cell only (one step), redo brings the fix back.
    assert shown["afterUndo"][CALLS_CELL] == code_cells[2]
    assert shown["afterUndo"][LAYERS_CELL] == after[LAYERS_CELL]
    assert shown["afterRedo"][CALLS_CELL] == after[CALLS_CELL]
    # Run All Cells: every code cell ran in the notebook's kernel, without an error.
    assert len(shown["prompts"]) == len(code_cells)
    assert shown["errors"] == []
    assert any("1, 32, 32, 16" in output for output in shown["outputs"]), shown["outputs"]
    if "trace" in shots:
        # "Trace shapes" on the call cell: the live kernel's shapes on its call lines.
        assert shown["traceCells"] == [CALLS_CELL]
        assert shown["traceRows"] == [
            ["line 2", "x = bn_1(conv_1(inputs))", "conv2d: (1, 32, 32, 3) \u2192 (1, 32, 32, 8)"],
            ["line 2", "x = bn_1(conv_1(inputs))",
             "batch_normalization: (1, 32, 32, 8) \u2192 (1, 32, 32, 8)"],
            ["line 3", "y = bn_2(conv_2(x))", "conv2d_1: (1, 32, 32, 8) \u2192 (1, 32, 32, 16)"],
            ["line 3", "y = bn_2(conv_2(x))",
             "batch_normalization_1: (1, 32, 32, 16) \u2192 (1, 32, 32, 16)"],
        ]
        assert shown["promptsAfterTrace"] == shown["prompts"]  # not counted as a run of the cell
    for path in shots.values():
        assert path.stat().st_size > 10_000
    target = os.environ.get("LAYERLINT_SCREENSHOT_DIR")
    if target:
        for path in shots.values():
            shutil.copyfile(path, Path(target) / path.name)
