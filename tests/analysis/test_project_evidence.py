"""The project index (what other files do with a module's classes) is built once and reused."""

from __future__ import annotations

from layerlint.analysis import project_evidence

BLOCKS = """import keras


class Block(keras.layers.Layer):
    def call(self, x):
        return x
"""
TRAIN = """import keras
from pkg.blocks import Block

model = keras.Sequential([Block()])
model.save("model.keras")
"""


def test_index_projects_builds_the_index_that_later_lookups_reuse(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    blocks = package / "blocks.py"
    blocks.write_text(BLOCKS)
    (tmp_path / "train.py").write_text(TRAIN)

    project_evidence.index_projects([blocks])
    assert tmp_path.resolve() in project_evidence._indexes

    def no_listing(root):
        raise AssertionError("the project was listed again")

    monkeypatch.setattr(project_evidence, "_project_files", no_listing)
    uses, _ = project_evidence.uses_elsewhere(blocks, frozenset({"Block"}))
    assert [(use.where, sorted(use.contained)) for use in uses] == [("../train.py", ["Block"])]
