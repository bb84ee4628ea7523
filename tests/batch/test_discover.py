"""Which files `layerlint check` walks: .gitignore files, exclude/extend-exclude (settings and
command line), explicitly named files, and the order."""

import json
import shutil
from pathlib import Path

import pytest

from layerlint.batch import discover
from layerlint.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "feature_extractor.py"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LAYERLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def plant(root: Path, *relatives: str) -> None:
    for relative in relatives:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLE, target)


def checked(capsys, *args: str) -> list[str]:
    """Paths with findings (each planted file has one), relative to the current folder."""
    code = main(["check", "--jobs", "1", "--format", "json", *args])
    assert code in (0, 1)
    records = json.loads(capsys.readouterr().out)
    return sorted({Path(record["path"]).as_posix() for record in records})


def test_gitignore_files_are_respected_in_the_walked_tree(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, "src/model.py", "src/generated/model.py", "src/api_pb2.py",
          "src/keep_pb2.py", "src/sub/local.py", "src/sub/kept.py", "notes.ipynb.py")
    (tmp_path / "src" / ".gitignore").write_text("generated/\n*_pb2.py\n!keep_pb2.py\n")
    (tmp_path / "src" / "sub" / ".gitignore").write_text("local.py\n")
    assert checked(capsys, "src") == [
        "src/keep_pb2.py", "src/model.py", "src/sub/kept.py",
    ]
    assert checked(capsys, "--no-respect-gitignore", "src") == [
        "src/api_pb2.py", "src/generated/model.py", "src/keep_pb2.py", "src/model.py",
        "src/sub/kept.py", "src/sub/local.py",
    ]


def test_gitignore_above_the_walked_folder_counts_inside_a_repository(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".gitignore").write_text("pkg/scratch_*.py\n")
    (tmp_path / ".git" / "info" / "exclude").write_text("private.py\n")
    plant(tmp_path, "pkg/model.py", "pkg/scratch_1.py", "pkg/private.py")
    monkeypatch.chdir(tmp_path / "pkg")
    assert checked(capsys, ".") == ["model.py"]


def test_exclude_settings_replace_the_defaults_and_extend_exclude_adds(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, "model.py", "legacy/old.py", "data/gen/model.py", "build/model.py")
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nextend-exclude = ["legacy", "data/*/"]\n')
    assert checked(capsys, ".") == ["model.py"]  # build/ is a default exclude
    (tmp_path / "pyproject.toml").write_text('[tool.layerlint]\nexclude = ["legacy"]\n')
    assert checked(capsys, ".") == ["build/model.py", "data/gen/model.py", "model.py"]


def test_command_line_patterns_and_named_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, "a/model.py", "b/model.py", "c/model.py")
    assert checked(capsys, "--exclude", "a,b", ".") == ["c/model.py"]
    assert checked(capsys, "--extend-exclude", "c", ".") == ["a/model.py", "b/model.py"]
    # A file named on the command line is checked even when excluded, unless --force-exclude.
    assert checked(capsys, "--exclude", "a", "a/model.py") == ["a/model.py"]
    assert checked(capsys, "--exclude", "a", "--force-exclude", "a/model.py", "b/model.py") == [
        "b/model.py"
    ]


def test_virtualenvs_are_skipped_and_each_file_is_checked_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, "pkg/model.py", ".venv/lib/vendored.py", "node_modules/x/model.py")
    main(["check", "--jobs", "1", "pkg", "pkg/model.py", "."])
    out = capsys.readouterr().out
    assert out.count("LL101 [error]") == 1


def test_walk_order_is_the_sorted_path_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, "a/z.py", "a/b/x.py", "a_b.py", "a/b.py")
    main(["check", "--jobs", "1", "."])
    lines = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()
             if "LL101 [error]" in line]
    assert lines == [str(Path(p)) for p in sorted(["a/z.py", "a/b/x.py", "a_b.py", "a/b.py"],
                                                  key=lambda p: Path(p).parts)]


NAME_LISTS = [
    list(discover.DEFAULT_EXCLUDE),
    ["# generated", "", "out/", "local.py", ".env", "a.b-c_d+e"],
    ["build/", "build"],
]
PATHS = [
    "build", "build/", "build/x.py", "src/build", "src/build/", "src/build/x.py", "out", "out/",
    "out/x.py", "src/out/y.py", "local.py", "src/local.py", "src/local.py/", "local.pyc",
    "xlocal.py", ".env", "src/.env/", ".envrc", "a.b-c_d+e", "venv/lib/site.py", "ok/model.py",
    "notebook.ipynb", "src/.ipynb_checkpoints/n.ipynb", "src/__pycache__/", "node_modules",
]


@pytest.mark.parametrize("lines", NAME_LISTS)
def test_plain_name_lists_match_as_pathspec_matches_them(lines):
    pathspec = pytest.importorskip("pathspec")
    names = discover.compile_spec(lines)
    reference = pathspec.GitIgnoreSpec.from_lines(lines)
    assert isinstance(names, discover.NameSpec)
    for path in PATHS:
        assert names.match_file(path) == reference.match_file(path), path
        assert discover._include(names, path) == reference.check_file(path).include, path


@pytest.mark.parametrize("line", ["*.py", "!keep.py", "src/out", "/top", "a b", "**/gen", "x?",
                                  "[ab].py", ".", "..", " build", "build ", "\\#x"])
def test_anything_but_a_plain_name_is_left_to_pathspec(line):
    pathspec = pytest.importorskip("pathspec")
    assert isinstance(discover.compile_spec(["build", line]), pathspec.PathSpec)
