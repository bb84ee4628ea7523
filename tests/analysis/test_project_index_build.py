"""The project index (`project_evidence.build_index`): what it keeps, what a rebuild reads
again, and that `uses_elsewhere` answers from it as the per-file reading does."""

from __future__ import annotations

import os
from pathlib import Path

from blocks_project import write_blocks_package

from layerlint.analysis import project_evidence, source, walk
from layerlint.analysis.project_evidence import FileEntry, build_index
from layerlint.batch import project_uses


def _project(root: Path) -> Path:
    blocks = write_blocks_package(root)
    (root / "train.py").write_text(
        "import keras\nfrom pkg.blocks import Block as B\n\n"
        "model = keras.Sequential([B()])\nmodel.save('model.keras')\n"
        "keras.models.load_model('model.keras')\n")
    (root / "unrelated.py").write_text(
        "import keras\n\nkeras.Sequential([]).save('other.keras')\n"
        "keras.models.load_model('other.keras')\n")
    (root / "plain.py").write_text("print('no model here')\n")
    return blocks.resolve()


def _reading(monkeypatch) -> list[str]:
    read: list[str] = []
    real = project_evidence._read_evidence

    def recording(path: Path, *options):
        read.append(path.name)
        return real(path, *options)

    monkeypatch.setattr(project_evidence, "_read_evidence", recording)
    return read


def test_the_index_keeps_uses_elsewhere_and_their_file_s_reloads_only(tmp_path):
    blocks = _project(tmp_path.resolve())
    index = build_index(tmp_path.resolve())
    train = tmp_path.resolve() / "train.py"
    (item,) = index.uses[blocks]
    assert (item.other, item.contained, item.held) == (train, {"Block"}, {"Block"})
    assert [use.kind for use in index.entries[train].reloads] == ["reload"]
    # A file with a save of nothing from the project, or with no save: its stamp only.
    for name in ("unrelated.py", "plain.py"):
        entry = index.entries[tmp_path.resolve() / name]
        assert entry == FileEntry(entry.stamp)


def test_a_rebuild_reads_only_the_files_that_changed(tmp_path, monkeypatch):
    root = tmp_path.resolve()
    blocks = _project(root)
    first = build_index(root)
    read = _reading(monkeypatch)
    assert build_index(root, first) == first and read == []
    (root / "train.py").write_text((root / "train.py").read_text().replace("model = ", "\nmodel = "))
    os.utime(root / "train.py", ns=(1, 1))
    second = build_index(root, first)
    assert read == ["train.py"]
    assert second.uses[blocks] != first.uses[blocks] and not second.same_findings_as(first)
    assert build_index(root, second).same_findings_as(second)


def test_uses_elsewhere_from_the_index_equals_the_per_file_reading(tmp_path):
    blocks = _project(tmp_path)
    for names in (frozenset({"Block"}), frozenset({"Head"}), frozenset({"Block", "Head"})):
        indexed = project_evidence.uses_elsewhere(blocks, names)
        with project_uses.read_lazily():
            assert project_evidence.uses_elsewhere(blocks, names) == indexed


def test_an_index_source_without_an_index_gives_no_uses_and_reads_nothing(tmp_path, monkeypatch):
    blocks = _project(tmp_path)
    read = _reading(monkeypatch)
    asked: list[Path] = []
    previous = project_evidence.use_indexes_from(lambda target: asked.append(target))
    try:
        assert project_evidence.uses_elsewhere(blocks, frozenset({"Block"})) == ((), ())
    finally:
        project_evidence.use_indexes_from(previous)
    assert asked == [blocks] and read == []
    assert project_evidence.uses_elsewhere(blocks, frozenset({"Block"}))[0]


def test_an_index_built_without_keeping_trees_is_the_same_and_leaves_no_parse(tmp_path):
    """The server's index process forgets each file's trees once read (`keep_trees=False`):
    its memory is that of the largest file, not the project's."""
    root = tmp_path.resolve()
    _project(root)
    texts = {path.read_text() for path in root.rglob("*.py")}
    kept = build_index(root)
    source._parse_cache.clear()
    walk._walked.clear()

    forgotten = build_index(root, keep_trees=False)

    assert forgotten == kept
    assert not texts & source._parse_cache.keys()
    assert not walk._walked
