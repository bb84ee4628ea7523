"""Another project file's evidence is read block by block, as the engine reads the file itself
(so the parses and definitions' evidence are shared): the same evidence as from the whole file
as one tree."""

from __future__ import annotations

import ast
from pathlib import Path

from layerlint.analysis import project_evidence
from layerlint.analysis.imports import collect_imports
from layerlint.analysis.save_evidence import evidence

ROOT = Path(__file__).resolve().parents[2]


def _whole_file(text: str):
    tree = ast.parse(text)
    imports = collect_imports(tree.body)
    roots = {qualified.split(".")[0] for qualified in imports.values()}
    torch_only = "torch" in roots and not roots & {"keras", "tensorflow", "tf_keras"}
    return evidence([(tree, 0, text)], imports, frozenset({"*"} if torch_only else ()))


def test_file_evidence_equals_the_whole_file_s_for_every_fixture_and_example(tmp_path):
    compared = with_uses = 0
    for path in sorted([*(ROOT / "tests" / "fixtures").rglob("*.py"),
                        *(ROOT / "examples").rglob("*.py")]):
        text = path.read_text(encoding="utf-8")
        if not project_evidence.mentions_a_use(text):
            continue
        copy = tmp_path / f"{compared}.py"  # a fresh path: nothing cached for it
        copy.write_text(text, encoding="utf-8")
        found = project_evidence.file_evidence(copy)
        assert found == _whole_file(text), path
        compared += 1
        with_uses += bool(found.uses)
    assert compared >= 30 and with_uses >= 20


def test_a_file_whose_blocks_do_not_parse_alone_is_read_whole(tmp_path):
    # A list whose items start at column 0, longer than the block splitter joins: its pieces
    # do not parse alone, the whole file does.
    items = "".join(f"{number},\n" for number in range(8))
    text = (f"import keras\nfrom blocks import Block\n\nsizes = [\n{items}]\n"
            "model = keras.Sequential([Block()])\nmodel.save('model.keras')\n")
    parts = project_evidence._parts(text)
    path = tmp_path / "train.py"
    path.write_text(text)
    assert project_evidence.file_evidence(path) == _whole_file(text)
    assert project_evidence.file_evidence(path).uses
    assert len(parts) == 1 and parts[0][2] == text
