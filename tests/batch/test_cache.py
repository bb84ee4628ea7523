"""`layerlint.batch.cache` pieces read without the analysis: the installed Keras version (what
importlib.metadata answers, found without importing it)."""

import sys
from importlib import metadata

import pytest

from layerlint.batch import cache as check_cache


@pytest.fixture
def fresh_lookup():
    check_cache._installed_keras.cache_clear()
    yield check_cache._installed_keras
    check_cache._installed_keras.cache_clear()


def _dist_info(folder, name, headers):
    info = folder / name
    info.mkdir(parents=True)
    (info / "METADATA").write_text(headers)


def test_installed_keras_agrees_with_importlib_metadata(fresh_lookup):
    try:
        expected = metadata.version("keras")
    except metadata.PackageNotFoundError:
        expected = None
    assert fresh_lookup() == expected


def test_the_first_path_folder_with_a_keras_dist_info_wins(fresh_lookup, tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    _dist_info(first, "Keras-2.15.0.dist-info", "Metadata-Version: 2.1\nName: Keras\n"
               "Version: 2.15.0\n\nVersion: 9\n")
    _dist_info(first, "keras_hub-0.1.dist-info", "Metadata-Version: 2.1\nVersion: 0.1\n")
    _dist_info(second, "keras-3.1.0.dist-info", "Metadata-Version: 2.1\nVersion: 3.1.0\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(first), str(second)])
    assert fresh_lookup() == "2.15.0"
    fresh_lookup.cache_clear()
    monkeypatch.setattr(sys, "path", [str(second), str(first)])
    assert fresh_lookup() == "3.1.0"


def test_no_keras_on_the_path_is_none(fresh_lookup, tmp_path, monkeypatch):
    _dist_info(tmp_path, "keras_nlp-0.1.dist-info", "Version: 0.1\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert fresh_lookup() is None


@pytest.mark.parametrize("layout", ["two in one folder", "an egg-info", "no version header",
                                    "a zip on the path"])
def test_what_is_not_plain_is_asked_of_importlib_metadata(fresh_lookup, tmp_path, monkeypatch,
                                                          layout):
    if layout == "two in one folder":
        _dist_info(tmp_path, "keras-3.1.0.dist-info", "Version: 3.1.0\n")
        _dist_info(tmp_path, "keras-3.2.0.dist-info", "Version: 3.2.0\n")
    elif layout == "an egg-info":
        _dist_info(tmp_path, "keras.egg-info", "Version: 3.1.0\n")
    elif layout == "no version header":
        _dist_info(tmp_path, "keras-3.1.0.dist-info", "Name: keras\n\nVersion: 3.1.0\n")
    else:
        (tmp_path / "bundle.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        tmp_path = tmp_path / "bundle.zip"
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    asked: list[str] = []
    monkeypatch.setattr(check_cache, "_metadata_version", lambda name: asked.append(name) or "x")
    assert fresh_lookup() == "x"
    assert asked == ["keras"]


def test_dependencies_are_stored_by_real_path_each_resolved_once_per_run(tmp_path, monkeypatch):
    real = tmp_path / "pkg"
    real.mkdir()
    (real / "blocks.py").write_text("class Block: ...\n")
    (tmp_path / "link").symlink_to(real)
    cache = check_cache.CheckCache(tmp_path / "cache")
    resolved = []
    original = check_cache.Path.resolve
    monkeypatch.setattr(check_cache.Path, "resolve",
                        lambda self, *a: resolved.append(str(self)) or original(self, *a))
    through_link = str(tmp_path / "link" / "blocks.py")
    for name in ("a.py", "b.py"):
        cache.store(str(tmp_path / name), "digest", "settings", [through_link, through_link], [])
    expected = {str(real / "blocks.py"): check_cache.content_hash(b"class Block: ...\n")}
    assert cache.entries[str(tmp_path / "a.py")]["dependencies"] == expected
    assert cache.entries[str(tmp_path / "b.py")]["dependencies"] == expected
    assert resolved == [through_link]
