"""A small project for the tests of other files' uses (the server's project index and the
check command's lazy reading): `pyproject.toml` and `pkg/blocks.py` defining two Keras layers,
`Block` and `Head`; each test adds the files that use them."""

from __future__ import annotations

from pathlib import Path

BLOCKS = """import keras


class Block(keras.layers.Layer):
    def call(self, x):
        return x


class Head(keras.layers.Layer):
    pass
"""


def write_blocks_package(root: Path) -> Path:
    """Writes the project marker and the package under `root`; returns `pkg/blocks.py`."""
    (root / "pyproject.toml").write_text("")
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(BLOCKS)
    return package / "blocks.py"
