"""`layerlint check`'s cache: a file is analysed again exactly when its content, its settings,
layerlint itself, or a workspace file its classes depend on changes."""

import json

import pytest

from layerlint.batch import cache as check_cache
from layerlint.cli import main
from layerlint.commands import check

MODEL = '''\
import keras
from blocks import ResBlock


class Head(ResBlock):
    def __init__(self):
        super().__init__()
        self.conv_1 = keras.layers.Conv2D(6, 4)
        self.conv_2 = keras.layers.Conv2D(16, 4)
        self.bn = keras.layers.BatchNormalization()

    def call(self, x):
        x = self.bn(self.conv_1(x))
        return self.bn(self.conv_2(x))
'''
PLAIN_BASE = "class ResBlock:\n    pass\n"
LAYER_BASE = "import keras\n\n\nclass ResBlock(keras.layers.Layer):\n    pass\n"


@pytest.fixture
def analysed(monkeypatch):
    """The paths analysed (not served from the cache) by each `layerlint check` run."""
    seen: list[str] = []
    real = check.check_text

    def counting(text, path, settings):
        seen.append(path.rsplit("/", 1)[-1])
        return real(text, path, settings)

    monkeypatch.setattr(check, "check_text", counting)
    return seen


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint]\n")
    (tmp_path / "blocks.py").write_text(LAYER_BASE)
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LAYERLINT_CACHE_DIR")  # the default place: beside pyproject.toml
    return tmp_path


def check_codes(capsys, *extra: str) -> list[str]:
    main(["check", "--jobs", "1", "--format", "json", *extra, "."])
    return [record["code"] for record in json.loads(capsys.readouterr().out)]


def test_unchanged_files_come_from_the_cache_beside_pyproject(project, analysed, capsys):
    assert check_codes(capsys) == ["LL101"]
    assert sorted(analysed) == ["blocks.py", "model.py"]
    analysed.clear()
    assert check_codes(capsys) == ["LL101"]
    assert analysed == []
    cache_dir = project / ".layerlint_cache"
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(cache_dir.glob("check-*.json"))) == 1


def test_content_change_invalidates(project, analysed, capsys):
    check_codes(capsys)
    analysed.clear()
    (project / "model.py").write_text(MODEL.replace("Conv2D(16, 4)", "Conv2D(6, 4)"))
    assert check_codes(capsys) == ["LL101"]
    assert analysed == ["model.py"]
    analysed.clear()
    (project / "model.py").write_text(MODEL.replace("return self.bn(self.conv_2(x))", "return x"))
    assert check_codes(capsys) == []
    assert analysed == ["model.py"]


def test_settings_change_invalidates(project, analysed, capsys):
    check_codes(capsys)
    analysed.clear()
    (project / "pyproject.toml").write_text('[tool.layerlint]\nseverity = { LL101 = "hint" }\n')
    main(["check", "--jobs", "1", "--format", "json", "."])
    (record,) = json.loads(capsys.readouterr().out)
    assert record["severity"] == "hint"
    assert sorted(analysed) == ["blocks.py", "model.py"]
    analysed.clear()
    assert check_codes(capsys, "--keras-version", "3.8.0") == ["LL101"]
    assert sorted(analysed) == ["blocks.py", "model.py"]


def test_version_change_invalidates(project, analysed, capsys, monkeypatch):
    check_codes(capsys)
    analysed.clear()
    monkeypatch.setattr(check_cache, "__version__", "99.0.0")
    check_cache.generation.cache_clear()
    try:
        assert check_codes(capsys) == ["LL101"]
        assert sorted(analysed) == ["blocks.py", "model.py"]
        # The older generation's file is gone: the cache does not grow with each release.
        assert len(list((project / ".layerlint_cache").glob("check-*.json"))) == 1
    finally:
        check_cache.generation.cache_clear()


def test_changed_base_class_file_rechecks_its_subclasses(project, analysed, capsys):
    (project / "blocks.py").write_text(PLAIN_BASE)
    assert check_codes(capsys) == []  # Head is no layer while ResBlock is a plain class
    analysed.clear()
    (project / "blocks.py").write_text(LAYER_BASE)
    assert check_codes(capsys) == ["LL101"]
    assert sorted(analysed) == ["blocks.py", "model.py"]


def test_no_cache_neither_reads_nor_writes(project, analysed, capsys):
    check_codes(capsys, "--no-cache")
    check_codes(capsys, "--no-cache")
    assert len(analysed) == 4
    assert not (project / ".layerlint_cache").exists()


def test_cache_dir_setting_and_flag(project, capsys):
    (project / "pyproject.toml").write_text('[tool.layerlint]\ncache-dir = "build/ll-cache"\n')
    check_codes(capsys)
    assert list((project / "build" / "ll-cache").glob("check-*.json"))
    check_codes(capsys, "--cache-dir", str(project / "elsewhere"))
    assert list((project / "elsewhere").glob("check-*.json"))
    assert not (project / ".layerlint_cache").exists()


def test_a_corrupt_cache_file_is_ignored(project, analysed, capsys):
    check_codes(capsys)
    (cache_file,) = (project / ".layerlint_cache").glob("check-*.json")
    cache_file.write_text("{not json")
    analysed.clear()
    assert check_codes(capsys) == ["LL101"]
    assert sorted(analysed) == ["blocks.py", "model.py"]


WARM_PROBE = """\
import sys
from layerlint.cli import main
main(["check", "--jobs", "1", "--exit-zero", "--format", "json", "."])
print(sorted(m for m in sys.modules if m.split(".")[0] in NEEDLESS
             or m.startswith(("layerlint.analysis", "layerlint.lsp", "layerlint.trace",
                              "layerlint.fix"))))
""".replace("NEEDLESS", repr({"jedi", "libcst", "parso", "pathspec", "multiprocessing", "email",
                              "logging", "difflib", "tempfile"}))


def test_a_warm_run_imports_only_what_reading_the_cache_and_printing_needs(project):
    """No analysis, no workers, no pathspec for the default excludes, no importlib.metadata
    (with email) for the Keras version: a warm run is startup, walk, hashes, cache and report."""
    import subprocess
    import sys

    command = [sys.executable, "-c", WARM_PROBE]
    cold = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "layerlint.analysis.engine" in cold.stdout  # the first run analysed
    warm = subprocess.run(command, capture_output=True, text=True, check=True)
    assert warm.stdout.splitlines()[-1] == "[]"
    assert json.loads("".join(warm.stdout.splitlines()[:-1])) == json.loads(
        "".join(cold.stdout.splitlines()[:-1]))


def test_a_deleted_base_class_file_rechecks_its_subclasses(project, analysed, capsys):
    assert check_codes(capsys) == ["LL101"]
    analysed.clear()
    (project / "blocks.py").unlink()
    assert check_codes(capsys) == []  # ResBlock is unknown: Head may be no layer
    assert analysed == ["model.py"]


@pytest.fixture
def reads(monkeypatch):
    """The files read (opened for their bytes) by `layerlint check`."""
    seen: list[str] = []
    real = check.Path.read_bytes

    def counting(self):
        seen.append(self.name)
        return real(self)

    monkeypatch.setattr(check.Path, "read_bytes", counting)
    return seen


def cache_entries(project) -> dict:
    (cache_file,) = (project / ".layerlint_cache").glob("check-*.json")
    return json.loads(cache_file.read_text())


def test_files_changed_just_before_the_run_are_hashed_again_each_time(project, reads, capsys):
    """A file changed within the last seconds could change again within the same tick of the
    file-time clock: its stat is not recorded, its content is read every time."""
    check_codes(capsys)
    assert all("stat" not in entry for entry in cache_entries(project).values())
    reads.clear()
    assert check_codes(capsys) == ["LL101"]
    assert sorted(reads) == ["blocks.py", "model.py"]


def test_settled_unchanged_files_are_not_read_again(project, analysed, reads, capsys,
                                                    monkeypatch):
    monkeypatch.setattr(check_cache, "_SETTLED_NS", 0)  # every file counts as settled
    assert check_codes(capsys) == ["LL101"]
    assert all("stat" in entry for entry in cache_entries(project).values())
    reads.clear()
    analysed.clear()
    assert check_codes(capsys) == ["LL101"]
    assert reads == [] and analysed == []


def test_a_same_size_change_with_the_old_mtime_is_still_seen(project, analysed, capsys,
                                                              monkeypatch):
    """Its change time moves (no program can set it back): the file is read and analysed."""
    import os

    monkeypatch.setattr(check_cache, "_SETTLED_NS", 0)
    model = project / "model.py"
    check_codes(capsys)
    before = model.stat()
    changed = MODEL.replace("Conv2D(16, 4)", "Conv2D(26, 4)")
    assert len(changed) == len(MODEL)
    model.write_text(changed)
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))
    analysed.clear()
    assert check_codes(capsys) == ["LL101"]
    assert analysed == ["model.py"]


def test_a_touched_file_is_not_analysed_and_its_stat_is_recorded_again(project, analysed, reads,
                                                                       capsys, monkeypatch):
    import os

    monkeypatch.setattr(check_cache, "_SETTLED_NS", 0)
    check_codes(capsys)
    os.utime(project / "model.py", ns=(1, 10**18))
    analysed.clear()
    reads.clear()
    assert check_codes(capsys) == ["LL101"]
    assert analysed == [] and reads == ["model.py"]
    reads.clear()
    assert check_codes(capsys) == ["LL101"]
    assert reads == []


def test_settings_change_with_settled_files_reads_and_analyses_them(project, analysed, capsys,
                                                                    monkeypatch):
    monkeypatch.setattr(check_cache, "_SETTLED_NS", 0)
    check_codes(capsys)
    analysed.clear()
    assert check_codes(capsys, "--keras-version", "3.8.0") == ["LL101"]
    assert sorted(analysed) == ["blocks.py", "model.py"]


@pytest.fixture
def generations(monkeypatch):
    """How often each run hashes layerlint's code to name the cache generation."""
    computed: list[str] = []
    real = check_cache.generation

    def counting():
        computed.append(real())
        return computed[-1]

    monkeypatch.setattr(check_cache, "generation", counting)
    return computed


def test_the_generation_is_remembered_per_state_of_the_code_files(project, capsys, monkeypatch,
                                                                    generations):
    monkeypatch.setattr(check_cache, "_SETTLED_NS", 0)
    check_codes(capsys)
    assert len(generations) == 1
    (marker,) = (project / ".layerlint_cache").glob("code-*")
    assert marker.name.endswith("-" + generations[0])
    assert marker.read_bytes() == b""
    check_codes(capsys)
    assert len(generations) == 1  # the marker named it
    # Another state of the code files (an edit, a reinstall): hashed again, same generation,
    # so the results stay; its marker joins the first.
    monkeypatch.setattr(check_cache, "code_stamp", lambda started: ("0" * 24, True))
    assert check_codes(capsys) == ["LL101"]
    assert len(generations) == 2 and generations[0] == generations[1]
    assert len(list((project / ".layerlint_cache").glob("code-*"))) == 2


def test_no_generation_is_remembered_for_code_files_that_just_changed(project, capsys,
                                                                       monkeypatch, generations):
    monkeypatch.setattr(check_cache, "code_stamp", lambda started: ("1" * 24, False))
    check_codes(capsys)
    check_codes(capsys)
    assert len(generations) == 2
    assert not list((project / ".layerlint_cache").glob("code-*"))
