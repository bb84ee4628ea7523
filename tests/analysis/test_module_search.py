"""What this interpreter's search path says of a dotted name without jedi
(analysis/module_search.py): a package that is not installed, a module of a package, or
something only jedi can tell."""

from __future__ import annotations

import pytest

from layerlint.analysis import installed, module_search


@pytest.fixture(autouse=True)
def fresh_answers():
    module_search.forget()
    yield
    module_search.forget()


@pytest.fixture
def package(tmp_path, monkeypatch):
    """`lsearchpkg` on sys.path: a class in its `__init__`, a module, a subpackage with a
    module."""
    root = tmp_path / "site" / "lsearchpkg"
    (root / "inner").mkdir(parents=True)
    (root / "__init__.py").write_text("class Thing:\n    pass\n")
    (root / "tools.py").write_text("class Tool:\n    pass\n")
    (root / "inner" / "__init__.py").write_text("")
    (root / "inner" / "blocks.py").write_text("class Block:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return root


def test_a_module_of_an_installed_package_names_no_class(package):
    assert module_search.plainly_no_class("lsearchpkg.tools")
    assert module_search.plainly_no_class("lsearchpkg.inner")
    assert module_search.plainly_no_class("lsearchpkg.inner.blocks")


def test_a_name_bound_inside_a_package_is_left_to_jedi(package):
    assert not module_search.plainly_no_class("lsearchpkg.Thing")
    assert not module_search.plainly_no_class("lsearchpkg.tools.Tool")
    assert not module_search.plainly_no_class("lsearchpkg.inner.blocks.Block")
    assert not module_search.plainly_no_class("lsearchpkg.missing.Block")


def test_a_folder_without_init_inside_a_package_is_searched_like_a_package(package):
    """A namespace subpackage (a folder without `__init__.py`: keras-hub 0.32.0 ships
    `keras_hub/src/models/edrec/` so): the import system builds its spec from its parent's
    imported module, which is never imported here; asking must not raise (it made the whole
    analysis of a file importing from it fail)."""
    (package / "inner" / "loose").mkdir()
    (package / "inner" / "loose" / "layers.py").write_text("class Loose:\n    pass\n")
    assert module_search.plainly_no_class("lsearchpkg.inner.loose")
    assert module_search.plainly_no_class("lsearchpkg.inner.loose.layers")
    assert not module_search.plainly_no_class("lsearchpkg.inner.loose.layers.Loose")
    assert not module_search.plainly_no_class("lsearchpkg.inner.loose.missing.Loose")


def test_a_package_that_is_not_installed_names_no_class(package):
    assert module_search.plainly_no_class("lsearch_not_installed.layers.Block")
    assert not module_search.plainly_no_class("lsearchpkg")  # not dotted: not asked
    assert not module_search.plainly_no_class("lsearchpkg.2nd")  # not a name


def test_a_package_in_the_working_folder_or_above_is_left_to_jedi(tmp_path, monkeypatch):
    """jedi's default project looks in the working folder: a package there may hold classes
    even where sys.path does not reach it."""
    (tmp_path / "lsearchproject").mkdir()
    (tmp_path / "lsearchproject" / "__init__.py").write_text("class Block:\n    pass\n")
    deeper = tmp_path / "src" / "deeper"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    assert not module_search.plainly_no_class("lsearchproject.Block")


def test_an_answer_is_remembered_until_forgotten(package, tmp_path):
    assert module_search.plainly_no_class("lsearchlater.Block")
    later = tmp_path / "site" / "lsearchlater"
    later.mkdir()
    (later / "__init__.py").write_text("class Block:\n    pass\n")
    assert module_search.plainly_no_class("lsearchlater.Block")  # remembered
    installed.forget()  # the environment changed
    assert not module_search.plainly_no_class("lsearchlater.Block")


def test_what_it_answers_jedi_answers_too():
    """Ground truth: for names it answers (a module of an installed package, a package that is
    not installed), jedi finds no class either; a name it leaves to jedi is a real class."""
    answered = ["jedi.api", "jedi.api.classes", "absl.logging", "lsearch_not_installed.Block"]
    for name in answered:
        assert module_search.plainly_no_class(name), name
        assert installed.resolve_here(name, None, None) is None, name
    assert not module_search.plainly_no_class("jedi.Script")  # bound in jedi/__init__.py


def test_the_installed_class_lookup_asks_jedi_nothing_about_those(monkeypatch):
    def no_jedi(*args):
        raise AssertionError(f"jedi asked about {args[0]}")

    monkeypatch.setattr(installed, "_resolve_synchronously", no_jedi)
    installed.forget()
    try:
        assert installed.installed_class("lsearch_not_installed.layers.Block", None, None) is None
        assert installed.installed_class("jedi.api", None, None) is None
    finally:
        installed.forget()


def test_a_package_only_an_import_hook_finds_is_left_to_jedi(tmp_path, monkeypatch):
    """Editable installs (PEP 660) map a package to its folder with a finder on
    `sys.meta_path`, not a `sys.path` entry: such a package is installed."""
    import importlib.machinery
    import sys

    source = tmp_path / "elsewhere" / "lsearchedit"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("class Block:\n    pass\n")
    (source / "blocks.py").write_text("")

    class EditableFinder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "lsearchedit":
                return None
            return importlib.machinery.PathFinder.find_spec(name, [str(source.parent)])

    assert module_search.plainly_no_class("lsearchedit.Block")  # nowhere without the hook
    module_search.forget()
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, EditableFinder()])
    assert not module_search.plainly_no_class("lsearchedit.Block")
    assert module_search.plainly_no_class("lsearchedit.blocks")
