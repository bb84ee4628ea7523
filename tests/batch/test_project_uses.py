"""`layerlint check` reads other project files' uses of a file's classes lazily: the same uses,
in the same order, as the server's project index, without analysing the files that cannot
hold one."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from blocks_project import BLOCKS, write_blocks_package

from layerlint.analysis import project_evidence
from layerlint.batch import project_uses

ROOT = Path(__file__).resolve().parents[2]
def _project(tmp_path: Path) -> Path:
    blocks = write_blocks_package(tmp_path)
    (tmp_path / "train.py").write_text(  # an alias: the class's own name is in the import
        "import keras\nfrom pkg.blocks import Block as B\n\n"
        "model = keras.Sequential([B()])\nmodel.save('model.keras')\n")
    (tmp_path / "attribute.py").write_text(
        "import keras\nfrom pkg import blocks\n\n"
        "keras.Sequential([blocks.Head()]).save('head.keras')\n")
    (tmp_path / "unrelated.py").write_text(  # saves, but names no class of blocks.py
        "import keras\n\nkeras.Sequential([]).save('other.keras')\n")
    (tmp_path / "accented.py").write_text(  # not plain ASCII: never filtered out by its words
        "# café\nimport keras\nfrom pkg import blocks as b\n\nlayer = b.Head()\n"
        "keras.Sequential([]).save('other.keras')\n", encoding="utf-8")
    return blocks


def _analysed(monkeypatch) -> list[str]:
    return _paths_given(monkeypatch, "file_evidence")


def _paths_given(monkeypatch, function_name: str) -> list[str]:
    """From now on, the name of each file `project_uses.<function_name>` is called with."""
    seen: list[str] = []
    real = getattr(project_uses, function_name)

    def recording(path: Path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(project_uses, function_name, recording)
    return seen


def test_the_uses_are_the_project_index_s_without_reading_files_that_name_no_class(
        tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    names = frozenset({"Block", "Head"})
    indexed = [(use, other) for use, other in project_evidence._indexed_uses(blocks, names)
               if other != blocks]
    seen = _analysed(monkeypatch)
    lazy = list(project_uses.uses_targeting(blocks, names))
    assert lazy == indexed
    assert sorted(other.name for _, other in lazy) == ["attribute.py", "train.py"]
    assert sorted(seen) == ["accented.py", "attribute.py", "train.py"]


def test_uses_elsewhere_answers_the_same_inside_read_lazily(tmp_path):
    blocks = _project(tmp_path)
    for names in (frozenset({"Block"}), frozenset({"Head"}), frozenset({"Block", "Head"})):
        expected = project_evidence.uses_elsewhere(blocks, names)
        with project_uses.read_lazily():
            assert project_evidence.uses_elsewhere(blocks, names) == expected
        assert project_evidence._find_uses is project_evidence._indexed_uses


def test_a_file_that_mentions_no_save_is_never_analysed(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    (tmp_path / "fit_only.py").write_text(
        "import keras\nfrom pkg.blocks import Block\n\nkeras.Sequential([Block()]).fit(x, y)\n")
    seen = _analysed(monkeypatch)
    project_uses.uses_targeting(blocks, frozenset({"Block"}))
    assert "fit_only.py" not in seen


def test_same_uses_as_the_index_for_every_class_of_the_fixtures_and_examples(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures", project / "fixtures")
    shutil.copytree(ROOT / "examples", project / "examples")
    (project / "pyproject.toml").write_text("")
    compared = 0
    for path in sorted(project.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        names = frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef))
        if not names:
            continue
        target = path.resolve()
        indexed = [(use, other) for use, other in project_evidence._indexed_uses(target, names)
                   if other != target]
        assert list(project_uses.uses_targeting(target, names)) == indexed, path
        compared += 1
    assert compared >= 100  # every fixture defines classes; none is used by another file


def test_a_file_that_does_not_spell_the_module_is_never_analysed(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    # Names Block, but through the package (a re-export): never a use of blocks.py's Block.
    (tmp_path / "reexport.py").write_text(
        "import keras\nfrom pkg import Block\n\nkeras.Sequential([Block()]).save('m.keras')\n")
    names = frozenset({"Block", "Head"})
    indexed = [(use, other) for use, other in project_evidence._indexed_uses(blocks, names)
               if other != blocks]
    seen = _analysed(monkeypatch)
    assert list(project_uses.uses_targeting(blocks, names)) == indexed
    assert "reexport.py" not in seen
    assert "train.py" in seen and "attribute.py" in seen


def test_a_package_s_classes_are_found_by_the_folder_name(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "stems"
    package.mkdir()
    (package / "__init__.py").write_text(BLOCKS)
    (tmp_path / "use_it.py").write_text(
        "import keras\nfrom stems import Block\n\nkeras.Sequential([Block()]).save('m.keras')\n")
    (tmp_path / "other_name.py").write_text(  # names Block, not the package: not read
        "import keras\nfrom blocks import Block\n\nkeras.Sequential([Block()]).save('m.keras')\n")
    target = (package / "__init__.py").resolve()
    names = frozenset({"Block", "Head"})
    indexed = [(use, other) for use, other in project_evidence._indexed_uses(target, names)
               if other != target]
    seen = _analysed(monkeypatch)
    lazy = list(project_uses.uses_targeting(target, names))
    assert lazy == indexed
    assert [other.name for _, other in lazy] == ["use_it.py"]
    assert "other_name.py" not in seen


def test_a_file_that_calls_no_class_of_the_module_is_never_analysed(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    # Spells the class and its module, and saves, but never constructs one of its classes.
    (tmp_path / "registry.py").write_text(
        "import keras\nfrom pkg.blocks import Block\n\nREGISTRY = {'block': Block}\n"
        "keras.Sequential([keras.layers.Dense(2)]).save('m.keras')\n")
    names = frozenset({"Block", "Head"})
    indexed = [(use, other) for use, other in project_evidence._indexed_uses(blocks, names)
               if other != blocks]
    seen = _analysed(monkeypatch)
    assert list(project_uses.uses_targeting(blocks, names)) == indexed
    assert "registry.py" not in seen


def test_a_file_that_does_not_parse_is_still_read(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    (tmp_path / "broken.py").write_text(
        "import keras\nfrom pkg.blocks import Block\n\ndef f(:\n    pass\n"
        "keras.Sequential([Block()]).save('m.keras')\n")
    seen = _analysed(monkeypatch)
    project_uses.uses_targeting(blocks, frozenset({"Block"}))
    assert "broken.py" in seen  # its evidence decides (empty: it does not parse)


def test_a_file_that_never_writes_a_call_of_the_classes_is_not_parsed(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    # Spells Block and its module, saves, and calls blocks' Head: a use of Head, not of Block.
    (tmp_path / "heads.py").write_text(
        "import keras\nfrom pkg import blocks\n\nREGISTRY = {'block': blocks.Block}\n"
        "keras.Sequential([blocks.Head()]).save('m.keras')\n")
    parsed = _paths_given(monkeypatch, "_called_modules")
    for names in (frozenset({"Block"}), frozenset({"Head"})):
        expected = project_evidence.uses_elsewhere(blocks, names)
        with project_uses.read_lazily():
            assert project_evidence.uses_elsewhere(blocks, names) == expected
        if names == {"Block"}:
            assert "heads.py" not in parsed
            assert "train.py" in parsed  # `Block as B`, then `B()`: read
    assert "heads.py" in parsed
    assert any(use.where == "../heads.py" for use in expected[0])


def test_a_file_that_is_not_ascii_is_filtered_by_its_names_in_normal_form(tmp_path, monkeypatch):
    blocks = _project(tmp_path).resolve()
    (tmp_path / "fullwidth.py").write_text(  # a fullwidth H: Python reads the name as `Head` (NFKC)
        "# naïve\nimport keras\nfrom pkg.blocks import \uff28ead\n\n"
        "keras.Sequential([\uff28ead()]).save('m.keras')\n", encoding="utf-8")
    (tmp_path / "unrelated_accented.py").write_text(  # names no class of blocks.py
        "# café\nimport keras\n\nkeras.Sequential([]).save('other.keras')\n", encoding="utf-8")
    names = frozenset({"Block", "Head"})
    indexed = [(use, other) for use, other in project_evidence._indexed_uses(blocks, names)
               if other != blocks]
    seen = _analysed(monkeypatch)
    lazy = list(project_uses.uses_targeting(blocks, names))
    assert lazy == indexed
    assert "fullwidth.py" in [other.name for _, other in lazy]
    assert "unrelated_accented.py" not in seen
