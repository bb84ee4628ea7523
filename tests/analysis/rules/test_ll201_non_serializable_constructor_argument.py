"""LL201 and its quick-fix: ground-truth fixtures (analysis, framework verdict, fixed program
saves and loads), the evidence rules on small classes, and the generated get_config text."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.fix_requests import FixRequest, parse_fix_request
from layerlint.fixes import FixError, apply_fix

CODES = codes_checked_with("LL201")
FIXTURES = fixtures_for("LL201")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]


# --- ground truth --------------------------------------------------------------------------
class TestGroundTruth(QuickFixChecks):
    """Each fixture's run() saves and loads its model: a fixed program that runs survives it."""

    code = "LL201"


def test_fixtures_cover_positives_negatives_and_both_frameworks():
    assert len(WITH_FIXES) >= 4
    assert any("silent" in fixture.name for fixture in FIXTURES)
    assert any("tf_keras" in fixture.source for fixture in WITH_FIXES)


# --- evidence ------------------------------------------------------------------------------
KERAS_HEADER = "import keras\nimport numpy as np\nfrom typing import Callable\nfrom keras import layers\n\n"


def ll201(body: str, header: str = KERAS_HEADER, saved: bool = True) -> list[tuple[int, str, str]]:
    """LL201 findings of `body`; `saved`: a model holding each class is saved to .keras."""
    source = header + textwrap.dedent(body).lstrip("\n")
    if saved:
        source += "".join(f"\nkeras.Sequential([{name}()]).save('m.keras')"
                          for name in re.findall(r"^class (\w+)", source, re.MULTILINE))
    offset = header.count("\n")
    return [(f.span.line - offset, f.severity.value, f.message) for f in findings(source, CODES)
            if f.code == "LL201"]


def test_basic_arguments_and_none_defaults_are_silent():
    assert ll201("""
        class Block(layers.Layer):
            def __init__(self, units: int, names: list[str] = ["a"], activation=None,
                         shape=(1, -2), mapping={"a": 1.5}, size=int(3), **kwargs):
                super().__init__(**kwargs)
                self.units = units
    """) == []


def test_annotations_decide_by_type():
    found = ll201("""
        class Head(layers.Layer):
            def __init__(self, units: int, fn: Callable[[int], int], **kwargs):
                super().__init__(**kwargs)
    """)
    assert [(line, severity) for line, severity, _ in found] == [(2, "error")]
    assert "`fn` is a function (annotated `Callable[[int], int]`)" in found[0][2]
    mixed = ll201("""
        class Head(layers.Layer):
            def __init__(self, activation: "str | Callable" = "relu", **kwargs):
                super().__init__(**kwargs)
    """)
    assert [severity for _, severity, _ in mixed] == ["warning"]
    arrays = ll201("""
        class Head(layers.Layer):
            def __init__(self, table: "np.ndarray", init: keras.initializers.Initializer, **kwargs):
                super().__init__(**kwargs)
    """)
    assert len(arrays) == 1 and "`table` is an array" in arrays[0][2]
    assert "`init` is a `Initializer` object" in arrays[0][2]


def test_usage_evidence_calls_loops_and_sequential():
    found = ll201("""
        class Stack(layers.Layer):
            def __init__(self, first, rest, head, **kwargs):
                super().__init__(**kwargs)
                self.first = first
                self.rest = rest
                self.head = keras.Sequential([head, layers.Dense(2)])

            def call(self, x):
                for stage in self.rest:
                    x = stage(x)
                return self.head(self.first(x))
    """)
    assert len(found) == 1
    message = found[0][2]
    assert "`first` is a layer or function (called as `self.first(...)`)" in message
    assert "`rest` is a list of layers or functions (its items are called)" in message
    assert "`head` is a layer (passed to `Sequential`)" in message


def test_each_loop_credits_its_own_argument():
    found = ll201("""
        class TwoBranches(layers.Layer):
            def __init__(self, names, branch, **kwargs):
                super().__init__(**kwargs)
                self.names = names
                self.branch = branch

            def call(self, x):
                for layer in self.names:
                    print(layer)
                for layer in self.branch:
                    x = layer(x)
                return x
    """)
    assert [line for line, _, _ in found] == [2]
    assert "`branch` is a list of layers" in found[0][2] and "`names`" not in found[0][2]


def test_defaults_count_in_keras_3_only_as_certain():
    body = """
        class Scaled(BASE):
            def __init__(self, scale=np.ones(3), act=keras.activations.relu, **kwargs):
                super().__init__(**kwargs)
    """
    keras3 = ll201(body.replace("BASE", "layers.Layer"))
    assert [(line, severity) for line, severity, _ in keras3] == [(2, "error")]
    legacy = ll201(body.replace("BASE", "tf_keras.layers.Layer"), "import tf_keras\n" + KERAS_HEADER)
    assert [severity for _, severity, _ in legacy] == ["warning"]
    assert "Layer Scaled was created by passing" in legacy[0][2]


def test_inherited_or_unknown_get_config_is_trusted():
    assert ll201("""
        class Base(layers.Layer):
            def get_config(self):
                return super().get_config()

        class Child(Base):
            def __init__(self, inner: layers.Layer, **kwargs):
                super().__init__(**kwargs)
    """) == []
    assert ll201("""
        from somewhere import LibraryLayer

        class Child(LibraryLayer, layers.Layer):
            def __init__(self, inner: layers.Layer, **kwargs):
                super().__init__(**kwargs)
    """) == []


def test_other_frameworks_and_classes_without_init_are_silent():
    assert ll201("""
        import torch

        class Net(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module):
                super().__init__()

        class NoInit(layers.Layer):
            def call(self, x):
                return x
    """) == []


# --- the quick-fix -------------------------------------------------------------------------
def saving(source: str) -> str:
    """`source` and a line that saves a model holding each of its classes (the evidence LL201
    needs before it offers a fix); appended, so the classes keep their lines."""
    names = re.findall(r"^class (\w+)", source, re.MULTILINE)
    return source + "".join(f"\nkeras.Sequential([{name}()]).save('m.keras')\n" for name in names)


def the_fix(source: str) -> FixRequest:
    (fix,) = [fix for f in findings(saving(source), CODES) if f.code == "LL201" for fix in f.fixes]
    return fix


def test_fix_stores_unstored_arguments_under_free_names():
    source = textwrap.dedent("""\
        from keras import layers


        class Gate(layers.Layer):
            def __init__(self, units, transform, **kwargs):
                super().__init__(**kwargs)
                self.units = str(units)
                self.dense = layers.Dense(units)
                self.apply_fn = transform

            def call(self, x):
                return self.apply_fn(self.dense(x))
        """)
    fixed = apply_fix(source, the_fix(source))
    assert fixed.startswith("from keras import layers\nimport keras\n")
    assert "        super().__init__(**kwargs)\n        self._units = units\n" in fixed
    assert '"units": self._units,' in fixed
    assert '"transform": keras.saving.serialize_keras_object(self.apply_fn),' in fixed
    assert 'config["transform"] = keras.saving.deserialize_keras_object(config["transform"])' in fixed
    ast.parse(fixed)
    assert findings(fixed, CODES) == []


def test_fix_keeps_tabs_and_crlf_and_touches_nothing_else():
    source = ("import keras\r\n\r\nclass Wrap(keras.layers.Layer):\r\n\tdef __init__(self, inner: "
              "keras.layers.Layer, **kw):  # note\r\n\t\tsuper().__init__(**kw)\r\n\t\tself.inner = "
              "inner\r\n\r\n\tdef call(self, x):\r\n\t\treturn self.inner(x)\r\n\r\n\r\nX = 1\r\n")
    fixed = apply_fix(source, the_fix(source))
    assert "\n\tdef get_config(self):\r\n\t\tconfig = super().get_config()\r\n" in fixed
    assert fixed.replace("\r\n", "") .count("\n") == 0
    assert fixed.startswith(source[: source.index("\r\n\r\n\r\nX = 1")])
    assert fixed.endswith("\t\treturn cls(**config)\r\n\r\n\r\nX = 1\r\n")


def test_no_fix_when_a_config_cannot_name_the_arguments():
    source = textwrap.dedent("""\
        import keras

        class Wrap(keras.layers.Layer):
            def __init__(self, inner: keras.layers.Layer, *more):
                super().__init__()
    """)
    (finding,) = findings(saving(source), CODES)
    assert finding.fixes == ()


def test_fix_refuses_stale_or_malformed_requests():
    source = textwrap.dedent("""\
        import keras

        class Wrap(keras.layers.Layer):
            def __init__(self, inner: keras.layers.Layer, **kwargs):
                super().__init__(**kwargs)
    """)
    fix = the_fix(source)
    with pytest.raises(FixError, match="not on line"):
        apply_fix("\n" + source, fix)
    with pytest.raises(FixError, match="takes no argument"):
        apply_fix(source, parse_fix_request(fix.kind, {**fix.data, "serialized": ["outer"]}, fix.title))
    with pytest.raises(FixError, match="malformed"):
        apply_fix(source, parse_fix_request(fix.kind, {"class_name": "Wrap"}, fix.title))
    fixed = apply_fix(source, fix)
    with pytest.raises(FixError, match="already defines get_config"):
        apply_fix(fixed, fix)


# --- reachability: which uses of a model serialize it --------------------------------------
WRAPPER = """\
import keras
import tensorflow as tf
import tf_keras


class Wrap(keras.layers.Layer):
    def __init__(self, inner: keras.layers.Layer, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner


def main(path):
{body}
"""


@pytest.mark.parametrize("body, severity", [
    ('    keras.Sequential([Wrap(None)]).save("m.keras")', "error"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.save(path + "/m.h5")', "error"),
    ('    model = keras.Sequential([Wrap(None)])\n    print(model.to_json())', "error"),
    ('    model = keras.Sequential([Wrap(None)])\n    keras.models.clone_model(model)', "error"),
    ('    model = keras.Sequential([Wrap(None)])\n    cb = keras.callbacks.ModelCheckpoint("b.keras")\n'
     '    model.fit(x, y, callbacks=[cb])', "error"),
    ('    inputs = keras.Input((3,))\n    x = Wrap(None)(inputs)\n    model = keras.Model(inputs, x)\n'
     '    model.save("m.keras")', "error"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.save(path)', "warning"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.save_weights("m.weights.h5")', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.export("served")', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    tf.saved_model.save(model, path)', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    tf.train.Checkpoint(model=model).save(path)',
     "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.save("saved_model_dir")', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    model.save(path, save_format="tf")', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    cb = keras.callbacks.ModelCheckpoint('
     '"b.weights.h5", save_weights_only=True)\n    model.fit(x, y, callbacks=[cb])', "information"),
    ('    model = Wrap(None)\n    model = keras.Sequential([keras.layers.Dense(2)])\n'
     '    model.save("m.keras")', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    with self.assertRaises(NotImplementedError):\n'
     '        model.save("m.keras")', "information"),
    # a History, predictions: data about the model, not the model
    ('    model = keras.Sequential([Wrap(None)])\n    history = model.fit(x, y)\n'
     '    pd.DataFrame(history.history).to_json("h.json")\n    out = model.predict(x)\n'
     '    pd.DataFrame(out).to_json()', "information"),
    ('    model = keras.Sequential([Wrap(None)])\n    for layer in model.layers:\n'
     '        print(layer.get_config())', "error"),
    # a clone_function decides how each layer is copied
    ('    model = keras.Sequential([Wrap(None)])\n    keras.models.clone_model(model, clone_function=f)',
     "information"),
])
def test_severity_follows_what_the_code_does_with_the_model(body, severity):
    source = WRAPPER.format(body=body)
    assert [f.severity.value for f in findings(source, CODES) if f.code == "LL201"] == [severity]


def test_models_built_by_helpers_and_saved_by_helpers_are_followed():
    source = WRAPPER.format(body="    return keras.Sequential([Wrap(None)])") + (
        "\n\ndef store(model, where):\n    model.save(where + '.keras')\n\n\nstore(main(1), 'x')\n")
    assert [f.severity.value for f in findings(source, CODES)] == ["error"]


@pytest.mark.parametrize("where, severity", [
    ('"/tmp/classifier"', "information"),  # every caller passes a SavedModel directory
    ('"/tmp/classifier.keras"', "error"),
    ("path", "warning"),
])
def test_a_helper_that_saves_its_parameter_is_judged_by_its_callers_paths(where, severity):
    source = WRAPPER.format(body=f"    size(keras.Sequential([Wrap(None)]), {where})") + (
        "\n\ndef size(model, path):\n    model.save(path)\n    return os.path.getsize(path)\n")
    assert [f.severity.value for f in findings(source, CODES)] == [severity]


def test_tf_keras_model_subclasses_and_functional_style_subclasses_are_silent():
    assert ll201("""
        class Net(tf_keras.Model):
            def __init__(self, head: tf_keras.layers.Layer, **kwargs):
                super().__init__(**kwargs)
                self.head = head

        class Graph(keras.Model):
            def __init__(self, head: layers.Layer, **kwargs):
                inputs = keras.Input((3,))
                super().__init__(inputs=inputs, outputs=head(inputs), **kwargs)

        class Positional(keras.Model):
            def __init__(self, head: layers.Layer):
                inputs = keras.Input((3,))
                super().__init__(inputs, head(inputs))
    """, "import tf_keras\n" + KERAS_HEADER) == []
    # a tf-keras *layer* still fails to save
    assert len(ll201("""
        class Wrap(tf_keras.layers.Layer):
            def __init__(self, head: tf_keras.layers.Layer, **kwargs):
                super().__init__(**kwargs)
    """, "import tf_keras\n" + KERAS_HEADER)) == 1


def test_a_save_in_another_file_of_the_project_is_evidence(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    blocks = package / "blocks.py"
    blocks.write_text(WRAPPER.format(body="    pass"))
    (tmp_path / "train.py").write_text(
        "import keras\nfrom pkg.blocks import Wrap\n\n"
        "model = keras.Sequential([Wrap(None)])\nmodel.save('model.keras')\n")
    found = findings(blocks.read_text(), CODES, path=str(blocks), fresh=True)
    assert [f.severity.value for f in found] == ["error"]
    assert "train.py line 5" in found[0].message


def test_a_notebook_of_the_project_that_saves_is_evidence(tmp_path):
    """The class lives in a module; the notebook next to it trains and saves the model."""
    import json

    (tmp_path / ".git").mkdir()
    blocks = tmp_path / "blocks.py"
    blocks.write_text(WRAPPER.format(body="    pass"))
    cells = ["import keras\nfrom blocks import Wrap\n",
             "%matplotlib inline\nmodel = keras.Sequential([Wrap(None)])\n",
             "model.fit(x, y)\nmodel.save('trained.keras')\n"]
    notebook = {"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []}
                          for source in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "train.ipynb").write_text(json.dumps(notebook))
    (found,) = findings(blocks.read_text(), CODES, path=str(blocks), fresh=True)
    assert found.severity.value == "error"
    assert "in train.ipynb cell 3, line 2" in found.message
