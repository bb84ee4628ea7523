"""Model classes of other workspace files: re-exports through a package's `__init__.py` and
classes that derive from a built-in layer."""

from __future__ import annotations

import pytest

from layerlint.analysis import analyse
from layerlint.config import Settings

NORM = """import torch
from torch import nn


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features):
        super().__init__(num_features)
        self.act = nn.ReLU()
"""
PACKAGE_INIT = "from .norm_act import BatchNormAct2d\n"
MODEL = """from torch import nn
from {module} import BatchNormAct2d


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = BatchNormAct2d(8)

    def forward(self, x):
        return self.bn(self.conv(self.bn(x)))
"""


def _reuse(text: str, path) -> list[tuple[int, str, str]]:
    result = analyse(text, path=str(path), settings=Settings())
    return [(f.span.line, f.code, f.severity.value) for f in result.findings if f.code < "LL2"]


def test_a_class_reexported_by_a_package_init_is_followed_to_its_module(tmp_path):
    package = tmp_path / "mylayers"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGE_INIT)
    (package / "norm_act.py").write_text(NORM)
    model = tmp_path / "model.py"
    # BatchNormAct2d derives from nn.BatchNorm2d: it has moving statistics, so the chain is LL101.
    assert _reuse(MODEL.format(module="mylayers"), model) == [(12, "LL101", "warning")]
    assert _reuse(MODEL.format(module="mylayers.norm_act"), model) == [(12, "LL101", "warning")]


def test_a_reexport_of_something_that_is_no_layer_claims_nothing(tmp_path):
    package = tmp_path / "mylayers"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGE_INIT)
    (package / "norm_act.py").write_text(NORM.replace("nn.BatchNorm2d", "object"))
    assert _reuse(MODEL.format(module="mylayers"), tmp_path / "model.py") == []


def test_a_layer_owning_weights_through_add_weight_is_not_taken_for_its_stateless_base(tmp_path):
    # `keras.layers.Layer` is a model base, not a built-in layer the class inherits from.
    text = """import keras


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],))

    def call(self, x):
        return x * self.scale


class Twin(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.scale = Scale()

    def call(self, a, b):
        return self.scale(a) + self.scale(b)
"""
    assert _reuse(text, tmp_path / "model.py") == [(18, "LL103", "information")]


def test_only_classes_with_a_framework_base_get_a_model_and_the_import_table_is_shared(tmp_path):
    from layerlint.analysis import workspace

    module = tmp_path / "blocks.py"
    module.write_text("import keras\nfrom .other import Helper\n\n\n"
                      "class Plain:\n    pass\n\n\n"
                      "class Base(keras.layers.Layer):\n    pass\n\n\n"
                      "class Child(Base):\n    pass\n")
    found = workspace.external_classes(module, None)
    assert sorted(found) == ["Base", "Child"]
    assert {name: entry.framework for name, entry in found.items()} == {
        "Base": "keras", "Child": "keras"}
    # The re-export lookup reads the import table of the same parse.
    assert workspace._reexported(module, "Helper") == ".other.Helper"


def test_a_class_model_is_built_on_its_first_look_up_only(tmp_path, monkeypatch):
    from layerlint.analysis import workspace

    module = tmp_path / "layers.py"
    module.write_text("import keras\n\n\n"
                      "class First(keras.layers.Layer):\n    pass\n\n\n"
                      "class Second(keras.layers.Layer):\n    pass\n")
    built = []
    real = workspace.build_class_model

    def counting(node, *args):
        built.append(node.name)
        return real(node, *args)

    monkeypatch.setattr(workspace, "build_class_model", counting)
    found = workspace.external_classes(module, None)
    assert sorted(found) == ["First", "Second"] and built == []
    second = found["Second"]
    assert second.model.name == "Second" and second.framework == "keras"
    assert second.model.base_names == ["keras.layers.Layer"] and second.model.framework == "keras"
    assert found.get("Second") is second and found.get("Plain") is None
    # Name, bases and framework come without a model built; its node, methods and attributes
    # build it, once.
    assert built == []
    assert second.model.attributes == {} and second.model.node.lineno == 8
    assert second.model.methods == {} and built == ["Second"]


_INHERITING = ("import keras\nfrom .base import Base as B\n\n\n"
               "class Block(keras.layers.Layer):\n"
               "    def __init__(self):\n        super().__init__()\n"
               "        self.norm = keras.layers.LayerNormalization()\n"
               "        self.blocks = [keras.layers.Dense(4) for _ in range(2)]\n\n"
               "    def build(self, shape):\n        self.helper()\n\n"
               "    def helper(self):\n        self.dense = keras.layers.Dense(2)\n"
               "        self.count = 3\n\n\n"
               "class Child(Block, B):\n    def call(self, x):\n        return self.norm(x)\n")


@pytest.mark.parametrize("shared", [False, True])
def test_an_imported_model_read_late_is_the_model_built_at_once(tmp_path, shared):
    """Every field of the deferred model equals `build_class_model`'s for the class parsed
    with its file's lines, whichever field is read first."""
    import ast
    from contextlib import nullcontext

    from layerlint.analysis import workspace
    from layerlint.analysis.imports import collect_imports
    from layerlint.analysis.model_index import build_class_model

    tree = ast.parse(_INHERITING)
    imports = collect_imports(tree.body)
    for first in ["name", *sorted(workspace._DEFERRED)]:
        module = tmp_path / first / "blocks.py"
        module.parent.mkdir()
        module.write_text(_INHERITING)
        with workspace.shared_parses() if shared else nullcontext():
            found = workspace.external_classes(module, "3.5")
        for index, name in enumerate(["Block", "Child"]):
            expected = build_class_model(tree.body[2 + index], imports, {"Block", "Child"}, "3.5")
            model = found[name].model
            getattr(model, first)
            assert _model_fields(model) == _model_fields(expected)


def _model_fields(model) -> tuple:
    """A model's fields with its nodes dumped with their positions."""
    import ast

    def dump(node):
        return ast.dump(node, include_attributes=True)

    return (model.name, model.framework, model.base_names, dump(model.node),
            {name: dump(method) for name, method in model.methods.items()},
            {name: [(d.name, d.spec, dump(d.statement), d.method, d.simple) for d in definitions]
             for name, definitions in model.attributes.items()},
            model.other_attributes)


_BLOCKS_MODULE = ('"""Layers."""\n\nimport keras\n\n\n'
                  "class Helper:\n    pass\n\n\n"
                  "@keras.saving.register_keras_serializable()\n"
                  "class Norm(keras.layers.Layer):\n"
                  "    def __init__(self):\n        super().__init__()\n"
                  "        self.bn = keras.layers.BatchNormalization()\n")


def _model_lines(model) -> list[tuple[str, int, int, int]]:
    import ast

    return [(type(node).__name__, node.lineno, node.col_offset, node.end_lineno)
            for node in ast.walk(model.node) if hasattr(node, "lineno")]


def test_in_a_check_classes_come_from_the_shared_block_parses_with_the_files_lines(tmp_path):
    from layerlint.analysis import source, workspace

    whole, blocks = tmp_path / "whole" / "norm.py", tmp_path / "blocks" / "norm.py"
    for path in (whole, blocks):
        path.parent.mkdir()
        path.write_text(_BLOCKS_MODULE)
    expected = workspace.external_classes(whole, None)["Norm"]
    with workspace.shared_parses():
        found = workspace.external_classes(blocks, None)["Norm"]
    assert _model_lines(found.model) == _model_lines(expected.model)
    assert found.model.node.lineno == 11 and found.framework == expected.framework
    assert sorted(found.model.attributes) == sorted(expected.model.attributes) == ["bn"]
    # The blocks were parsed through the parse cache that the file's own check reads.
    assert all(block.text in source._parse_cache for block in source.split_blocks(_BLOCKS_MODULE))


def test_in_a_check_a_file_whose_blocks_do_not_parse_alone_is_parsed_whole(tmp_path):
    from layerlint.analysis import workspace

    class_text = "import keras\n\n\nclass A(keras.layers.Layer):\n    pass\n\n\n"
    spanning = tmp_path / "spanning.py"  # a list over more column-0 lines than blocks join
    spanning.write_text(class_text + "X = [\n1,\n2,\n3,\n4,\n5,\n6,\n]\n")
    broken = tmp_path / "broken.py"
    broken.write_text(class_text + "def f(:\n")
    with workspace.shared_parses():
        assert workspace.external_classes(spanning, None)["A"].model.node.lineno == 4
        assert dict(workspace.external_classes(broken, None)) == {}
    assert workspace._share_parses is False


@pytest.mark.parametrize("path", ["/", "/a", "/a/b/c/d/e/f/g/h/i.py", "//a/b.py", "a/b/c.py", "b.py",
                                  "../x/y.py", "../../x.py", "./a/../b/c.py"])
def test_the_folders_a_module_name_is_looked_for_in_are_the_importers_folder_and_parents(path):
    from pathlib import Path

    from layerlint.analysis import workspace

    folder = Path(path).parent
    expected = [str(base) for base in [folder, *list(folder.parents)[:workspace._MAX_PARENTS]]]
    assert workspace._folders_up(str(folder)) == expected


def test_in_a_check_a_candidate_file_is_stated_once(tmp_path):
    from layerlint.analysis import workspace

    importer = tmp_path / "pkg" / "main.py"
    importer.parent.mkdir()
    importer.write_text("from pkg.blocks import Block\n")
    with workspace.stats_once():
        assert workspace.module_file("pkg.blocks", importer) is None
        (tmp_path / "pkg" / "blocks.py").write_text("class Block: pass\n")
        workspace._module_files.clear()
        assert workspace.module_file("pkg.blocks", importer) is None  # the check's snapshot
    workspace._module_files.clear()
    assert workspace.module_file("pkg.blocks", importer) == tmp_path / "pkg" / "blocks.py"
    assert workspace._stats is None


def test_an_imported_model_whose_build_failed_is_built_on_the_next_read(tmp_path, monkeypatch):
    from layerlint.analysis import workspace

    module = tmp_path / "layers.py"
    module.write_text("import keras\n\n\nclass Norm(keras.layers.Layer):\n    pass\n")
    real = workspace.build_class_model
    calls = []

    def deep_once(*args):
        calls.append(args[0].name)
        if len(calls) == 1:
            raise RecursionError("too deep")
        return real(*args)

    monkeypatch.setattr(workspace, "build_class_model", deep_once)
    model = workspace.external_classes(module, None)["Norm"].model
    with pytest.raises(RecursionError):
        model.methods  # noqa: B018 (the read builds it)
    assert model.attributes == {} and model.node.lineno == 4 and calls == ["Norm", "Norm"]
    with pytest.raises(AttributeError):
        model.unknown  # noqa: B018
