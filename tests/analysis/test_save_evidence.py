"""What a program does with its models (`save_evidence`): the weight fates LL202 reads
(trained, stored, inspected) next to the serializations LL201/LL207 read, across top-level
blocks, functions and their parameters."""

from __future__ import annotations

import ast

import pytest

from layerlint.analysis.save_evidence import SERIALIZING, WEIGHT_KINDS, Evidence, evidence
from layerlint.analysis.source import split_blocks
from layerlint.syntax.imports import collect_imports

_HEADER = ("import keras\nimport tensorflow as tf\n\n"
           "class Scale: pass\n\nclass Other: pass\n\nclass Block: pass\n\nclass Head: pass\n\n"
           "class Net: pass\n\n")


def program(text: str) -> Evidence:
    """Evidence of a module whose blocks run as one program, as the engine reads it."""
    text = _HEADER + text
    blocks = [block for block in split_blocks(text) if block.tree]
    imports = collect_imports([stmt for block in blocks for stmt in block.tree.body])
    return evidence([(block.tree, block.start_line - 1, block.text) for block in blocks],
                    imports, frozenset())


def kinds(found: Evidence, key: str) -> set[str]:
    return {use.kind for use in found.uses if key in use.held}


def test_module_code_is_one_scope_across_blocks():
    found = program("layer = Scale()\n\nx = 1\n\nprint(layer.variables)\n\nother = Other()\nother(x)\n")
    assert kinds(found, "Scale") == {"inspect"}
    assert found.of("Scale", WEIGHT_KINDS) and not found.of("Scale")  # no serialization
    assert kinds(found, "Other") == set()  # only called


def test_names_hold_what_flows_into_them_and_functions_return_it():
    found = program(
        "def build():\n"
        "    inputs = keras.Input((3,))\n"
        "    x = Block()(inputs)\n"
        "    return keras.Model(inputs, x)\n\n\n"
        "model = build()\n"
        "model.compile('sgd', 'mse')\n"
        "tf.train.Checkpoint(net=Head()).write('ckpt')\n"
    )
    assert kinds(found, "Block") == {"train"}
    assert kinds(found, "Head") == {"store"}


def test_helper_parameters_receive_what_callers_pass():
    found = program("def train(model):\n    model.fit(x, y)\n\n\ntrain(keras.Sequential([Block()]))\n")
    assert kinds(found, "Block") == {"train"}


def test_rebinding_replaces_what_a_name_holds():
    found = program("model = Net()\nmodel = keras.Sequential([Block()])\nmodel.fit(x, y)\n")
    assert kinds(found, "Block") == {"train"}
    assert kinds(found, "Net") == set()


def test_weights_only_saves_are_stores_not_serializations():
    found = program(
        "a = keras.Sequential([Block()])\na.save_weights('w.weights.h5')\n"
        "b = keras.Sequential([Head()])\nb.save('exported_model')\n"
        "c = keras.Sequential([Scale()])\nc.export('served')\n"
        "d = keras.Sequential([Net()])\nd.save('d.keras')\n"
    )
    for name in ("Block", "Head", "Scale"):
        assert kinds(found, name) == {"store"}
        assert not found.of(name, SERIALIZING)  # LL201/LL207 see no serialization
        assert found.of(name, WEIGHT_KINDS)  # LL202 sees the weights written
    assert kinds(found, "Net") == {"save"}
    assert found.of("Net", SERIALIZING) and found.of("Net", WEIGHT_KINDS)


def test_a_helpers_savedmodel_path_decided_by_its_callers_is_a_store():
    found = program("def keep(model, path):\n    model.save(path)\n\n\n"
                    "keep(keras.Sequential([Block()]), 'exported')\n")
    assert kinds(found, "Block") == {"store"}


def test_inspections_through_attributes_and_calls():
    found = program("m = keras.Sequential([Block()])\nm.summary()\nn = Head()\nprint(len(n.weights))\n"
                    "tf.keras.Model.weights\n")
    assert kinds(found, "Block") == {"inspect"}
    assert kinds(found, "Head") == {"inspect"}


def test_weight_fates_are_line_free_and_in_every_signature():
    above = program("model = keras.Sequential([Block()])\nmodel.fit(x, y)\n")
    below = program("\n\n\nmodel = keras.Sequential([Block()])\nmodel.fit(x, y)\n")
    assert above.weight_fates == below.weight_fates == (("train", "Block"),)
    # a class that holds or derives from Block decides LL202 on Block: every key sees it
    assert above.signature({"Head"}, 0) == above.signature({"Head"}, 5) == (("train", "Block"),)
    assert above.signature(set(), 0) == ()


def test_class_methods_are_read():
    found = program("class Trainer:\n    def run(self):\n        model = keras.Sequential([Net()])\n"
                    "        model.fit(x, y)\n")
    assert kinds(found, "Net") == {"train"}
    # what an attribute of self holds is not followed (sublayers go through class models)
    found = program("class A:\n    def f(self):\n        self.m = Net()\n        self.m.fit()\n")
    assert kinds(found, "Net") == set()


def test_torch_modules_are_not_stores():
    text = _HEADER + "net = Net()\nnet.to('cuda')\ntorch.save(net.state_dict(), 'n.pt')\n"
    tree = ast.parse("import torch\n" + text)
    found = evidence([(tree, 0, text)], collect_imports(tree.body), frozenset({"Net"}))
    assert kinds(found, "Net") == {"move", "state"}


@pytest.mark.parametrize("call, expected", [
    ("net.to('cuda')", {"move"}),
    ("net.to(device)", {"move"}),
    ("net.double()", {"cast"}),
    ("net.to(torch.float64)", {"cast"}),
    ("net.to(device, torch.float64)", {"move", "cast"}),
    ("net.to(device).half()", {"move", "cast"}),
    ("torch.save(net, 'n.pt')", set()),  # the whole module pickled, plain attributes too
])
def test_torch_moves_and_casts_are_told_apart(call, expected):
    text = _HEADER + f"net = Net()\n{call}\n"
    tree = ast.parse("import torch\n" + text)
    found = evidence([(tree, 0, text)], collect_imports(tree.body), frozenset({"Net"}))
    assert kinds(found, "Net") == expected


def test_functions_read_module_globals():
    found = program("vae = Net()\n\n\ndef train_step(x):\n"
                    "    grads = tape.gradient(loss, vae.trainable_weights)\n    return grads\n\n\n"
                    "def local(x):\n    vae = Head()\n    return vae(x)\n")
    assert kinds(found, "Net") == {"inspect"}
    assert kinds(found, "Head") == set()  # a local of its own function


def test_a_function_defined_twice_returns_what_either_definition_returns():
    found = program("def get_model():\n    return keras.Sequential([Block()])\n\n\n"
                    "model = get_model()\nmodel.fit(x, y)\n\n\n"
                    "def get_model():\n    return keras.Sequential([Head()])\n")
    assert kinds(found, "Block") == {"train"}


def test_another_project_file_that_saves_models_says_what_it_trains(tmp_path):
    from layerlint.analysis.project_evidence import uses_elsewhere

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "blocks.py").write_text("import keras\n\nclass Block(keras.layers.Layer):\n    pass\n")
    (tmp_path / "train.py").write_text(
        "import keras\nfrom blocks import Block\n\n"
        "model = keras.Sequential([Block()])\nmodel.fit(x, y)\nmodel.save('m.keras')\n")
    (tmp_path / "tune.py").write_text(  # training alone: the project scan does not read it
        "import keras\nfrom blocks import Block\n\nkeras.Sequential([Block()]).fit(x, y)\n")
    uses, _ = uses_elsewhere(tmp_path / "blocks.py", frozenset({"Block"}))
    assert [(use.kind, use.where, use.line) for use in uses] == [
        ("train", "train.py", 5), ("save", "train.py", 6)]


def test_a_read_all_program_and_the_module_s_own_keep_their_scopes_apart(monkeypatch):
    """A project file's evidence (`read_all`) may read the same trees as the file's own
    analysis in one process; after it, a class pasted into the file re-reads only the new
    class, not every definition (each kind of program keeps its scopes on the part)."""
    from layerlint.analysis import save_evidence

    text = "".join(f"class Block{index}(keras.layers.Layer):\n    def call(self, x):\n"
                   f"        return x\n\n\n" for index in range(4))
    text += "model = keras.Sequential([Block0()])\nmodel.save('m.keras')\n"
    blocks = [block for block in split_blocks(text) if block.tree is not None]
    imports = collect_imports([stmt for block in blocks for stmt in block.tree.body])

    def placed(blocks):
        return [(save_evidence.part(block.tree, block.text), block.start_line - 1)
                for block in blocks]

    before = save_evidence.program(placed(blocks), imports, frozenset())
    evidence([(block.tree, block.start_line - 1, block.text) for block in blocks], imports,
             frozenset(), read_all=True)
    pasted = split_blocks("class Pasted(keras.layers.Layer):\n    pass\n")[0]
    read = []
    original = save_evidence._definition_scope

    def counted(statement, *args):
        read.append(statement.name)
        return original(statement, *args)

    monkeypatch.setattr(save_evidence, "_definition_scope", counted)
    after = save_evidence.program(placed([*blocks[:2], pasted, *blocks[2:]]), imports, frozenset())
    assert read == ["Pasted"]
    assert after.result.uses == before.result.uses
