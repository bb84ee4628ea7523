"""`could_hold_layers`: the cheap text test that lets a check skip the shape inference of a
module that names no framework; where it says no, the inference finds nothing."""

from __future__ import annotations

from pathlib import Path

from layerlint.analysis.shapes.infer import infer_source
from layerlint.analysis.shapes.module_shapes import could_hold_layers

ROOT = Path(__file__).resolve().parents[3]
TREES = [ROOT / "tests" / "fixtures", ROOT / "examples", ROOT / "server" / "layerlint" / "analysis"]


def test_framework_names_could_hold_layers():
    assert could_hold_layers("import keras\nx = keras.layers.Dense(3)\n")
    assert could_hold_layers("from tensorflow import keras as K\n")
    assert could_hold_layers("import tf_keras\n")
    assert could_hold_layers("import torch.nn as nn\nnn.Linear(2, 3)\n")


def test_module_without_framework_names_holds_none():
    text = "import numpy as np\n\ndef f(x):\n    return np.zeros((2, 3)) + x\n"
    assert not could_hold_layers(text)
    assert not infer_source(text).calls and not infer_source(text).errors


def test_non_ascii_text_is_never_skipped():
    # NFKC folds a fullwidth letter into `k`: the identifier below is `keras`
    assert could_hold_layers("import \uff4beras\n")


def test_skipped_modules_have_no_shapes():
    skipped = 0
    for path in sorted(path for tree in TREES for path in tree.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not could_hold_layers(text):
            skipped += 1
            shapes = infer_source(text)
            assert not shapes.calls and not shapes.errors, path
    assert skipped > 0
