"""Generate the layer catalog: facts about every built-in layer, measured from installed frameworks.

The language server never imports TensorFlow or torch, yet its rules need to know, for example,
that BatchNormalization keeps moving statistics while MaxPooling2D keeps nothing. This script
learns those facts by instantiating and calling every public layer class of Keras 3
(`keras.layers`), tf-keras (`tf_keras.layers`) and `torch.nn`, and writes one JSON file per
framework into `server/layerlint/analysis/catalog/`. The JSON is checked in; the server only
reads it (`layerlint.analysis.catalog`), and a test regenerates it to catch drift.

Usage:
    python scripts/generate_catalog.py [--framework keras|tf_keras|torch|all] [--output-dir DIR]
                                       [--check] [--versioned] [--keras-backend NAME]
                                       [--shape-records]

`--versioned` names the file by the framework's major.minor (`keras-3.9.json`), for data taken
from an older release in a throwaway virtual environment. `--check` regenerates into a temporary
directory and exits 1 when the result differs from the files in `--output-dir`.

`--shape-records` writes the shape records instead of the catalog: each layer that the static
shape rules know is built over a grid of constructor arguments and input shapes, and its output
shapes or the error it raises are written to `catalog/shape_records/<framework>.json`
(`catalog_generator/shape_records`); `tests/analysis/shapes/test_layer_rules_records.py` checks
every rule against them.

This file is only the entry point. The work is done by the package next to it,
`scripts/catalog_generator/`: its docstring maps the modules, and `layer_facts` lists the facts
recorded per layer. Like the package, this file imports no framework at import time.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS_DIR = str(Path(__file__).resolve().parent)
if SCRIPTS_DIR not in sys.path:
    # Loaded by path (as the tests do) rather than run: the package beside it is not importable yet.
    sys.path.insert(0, SCRIPTS_DIR)

from catalog_generator.cli import main  # noqa: E402  (needs the path set just above)

if __name__ == "__main__":
    sys.exit(main())
