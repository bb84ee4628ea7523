"""LL207 against its fixtures (tests/fixtures/custom/b_ll207_*.py), and its quick-fix under Keras.

Measured in the fixtures (Keras 3.15.1 and tf-keras 2.21): saving then loading a model that holds
an unregistered custom layer, model, loss or metric fails (`could not be deserialized properly`,
`Could not locate class`, `Unknown layer`); with the registration decorator the fix adds, the
same programs load the model back.
"""

from __future__ import annotations

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings, fixtures_for

from layerlint.analysis import analyse
from layerlint.fixes import apply_fix

CODES = codes_checked_with("LL207")
FIXTURES = fixtures_for("LL207")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]

LAYER = """\
import keras
import numpy as np
import tensorflow as tf


class Block(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


def main(path):
    model = keras.Sequential([keras.Input((3,)), Block()])
{body}
"""


def _codes(body: str) -> list[tuple[str, str]]:
    source = LAYER.format(body=body)
    return [(finding.code, finding.severity.value) for finding in findings(source, CODES)]


class TestGroundTruth(QuickFixChecks):
    code = "LL207"


def test_fixtures_cover_errors_warnings_tf_keras_and_negatives():
    severities = {e.severity for fixture in FIXTURES for e in fixture.expectations}
    assert severities == {"error", "information"}
    assert any("tf_keras" in fixture.source for fixture in WITH_FIXES)
    assert any(not fixture.expectations for fixture in FIXTURES)


@pytest.mark.parametrize("body, expected", [
    ('    model.save(path + ".keras")', [("LL207", "information")]),
    ('    model.save(path + ".keras")\n    keras.models.load_model(path + ".keras")', [("LL207", "error")]),
    # the format is not readable: a SavedModel directory would load without the class
    ('    model.save(path)\n    keras.models.load_model(path)', [("LL207", "information")]),
    ('    model.save(path, save_format="tf")\n    keras.models.load_model(path)', []),
    ('    model.save("exported")\n    tf.saved_model.load("exported")', []),
    ('    keras.saving.save_model(model, "m.keras")', [("LL207", "information")]),
    ('    keras.saving.save_model(model, "m.keras")\n    keras.saving.load_model("m.keras")',
     [("LL207", "error")]),
    # loading a different, earlier file before saving is no round trip
    ('    keras.models.load_model("base.keras")\n    model.save(path + ".h5")',
     [("LL207", "information")]),
    ('    tf.train.Checkpoint(model=model).save(path)', []),
    ('    model = keras.Sequential([keras.layers.Dense(2)])\n    model.save("m.keras")\n'
     '    keras.models.load_model("m.keras")', []),
    ('    with self.assertRaises(TypeError):\n        model.save("m.keras")\n'
     '        keras.models.load_model("m.keras")', []),
    ('    model.save(path)\n    keras.models.load_model(path, custom_objects={"Block": Block})', []),
    ('    model.save(path)\n    keras.models.load_model(path, custom_objects=CUSTOM)', []),
    ('    with keras.saving.custom_object_scope({"Block": Block}):\n        model.save(path)', []),
    ('    np.save(path, np.zeros(3))', []),
    ('    model.save("preview.png")', []),
    ('    model.save_weights(path + ".weights.h5")', []),
])
def test_what_counts_as_saving_and_as_given_custom_objects(body, expected):
    assert _codes(body) == expected


def test_registered_through_any_spelling_is_silent():
    for decorator in ("@keras.saving.register_keras_serializable()",
                      "@keras.utils.register_keras_serializable(package='p')"):
        source = LAYER.format(body='    model.save(path)').replace(
            "class Block", f"{decorator}\nclass Block")
        assert not findings(source, CODES), decorator


def test_fix_adds_the_decorator_and_the_import_it_needs():
    source = (
        "from keras import layers\n"
        "from keras.models import Sequential\n\n\n"
        "@some_other_decorator\n"
        "class Block(layers.Layer):\n"
        "    pass\n\n\n"
        "def main():\n"
        "    Sequential([Block()]).save('m.keras')\n"
    )
    (finding,) = findings(source, CODES)
    fixed = apply_fix(source, finding.fixes[0])
    assert fixed == source.replace(
        "from keras.models import Sequential\n",
        "from keras.models import Sequential\nimport keras\n",
    ).replace("@some_other_decorator\n",
              "@keras.saving.register_keras_serializable()\n@some_other_decorator\n")


SCRIPT = (
    "import keras\n"
    "from keras import layers\n\n\n"
    "class Block(layers.Layer):\n"
    "    pass\n\n\n"
)


def test_a_save_before_the_class_is_built_does_not_save_it():
    """keras-io guides save one model, then go on to build others in the same script."""
    source = SCRIPT + (
        "model = keras.Sequential([layers.Dense(2)])\n"
        "model.save('first.keras')\n"
        "model = keras.models.load_model('first.keras')\n"
        "later = keras.Sequential([Block()])\n"
    )
    assert not findings(source, CODES)
    assert findings(source + "later.save('later.keras')\n", CODES)


def test_saving_an_image_file_is_not_saving_a_model():
    source = SCRIPT + (
        "def train(out):\n"
        "    model = keras.Sequential([Block()])\n"
        "    img = keras.utils.array_to_img(model(x)[0])\n"
        "    img.save(os.path.join(out, f'generated_{step}.png'))\n"
    )
    assert not findings(source, CODES)
    assert not findings(source.replace("f'generated_{step}.png'", "'model.keras'"), CODES)
    assert findings(source.replace("img.save(", "model.save(").replace(
        "f'generated_{step}.png'", "'model.keras'"), CODES)


def test_notebook_cells_are_one_program():
    """The class, the model, the save and the reload in four cells: one round trip."""
    from layerlint.notebooks import join_cells

    cells = [
        "import keras\n\nclass Block(keras.layers.Layer):\n    pass\n",
        "model = keras.Sequential([keras.Input((3,)), Block()])\n",
        "model.save('model.keras')\n",
        "restored = keras.models.load_model('model.keras')\n",
    ]
    program = join_cells(cells, [1, 2, 3, 4])
    (finding,) = findings(program.text, CODES)
    assert finding.severity.value == "error"
    assert program.locate(finding.span.line) == (2, 1)


def test_a_round_trip_in_another_project_file_reports_on_the_class(tmp_path):
    """tf-keras imports a recorded module that can be imported: a tf-keras Model subclass of
    `blocks.py` loads back from a .keras file unregistered (measured with tf-keras 2.21); a
    layer inside a Sequential does not."""
    (tmp_path / "setup.cfg").write_text("")
    blocks = tmp_path / "blocks.py"
    blocks.write_text(
        "import tf_keras\n\n\nclass Net(tf_keras.Model):\n    pass\n\n\n"
        "class Block(tf_keras.layers.Layer):\n    pass\n")
    (tmp_path / "train.py").write_text(
        "import tf_keras\nfrom blocks import Block, Net\n\n"
        "net = Net()\nnet.save('net.keras')\ntf_keras.models.load_model('net.keras')\n"
        "seq = tf_keras.Sequential([Block()])\nseq.save('seq.keras')\n"
        "tf_keras.models.load_model('seq.keras')\n")
    found = {f.message.split()[0]: f for f in findings(blocks.read_text(), CODES, path=str(blocks),
                                                          fresh=True)}
    assert found["Block"].severity.value == "error" and found["Block"].span.line == 8
    assert "train.py line 8" in found["Block"].message
    assert found["Net"].severity.value == "information"


FACTORY = """\
import keras


def create_huber(threshold=1.0):
    def huber_fn(y_true, y_pred):
        return keras.ops.abs(y_true - y_pred) * threshold
    return huber_fn


model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss=create_huber(2.0))
model.save("model.keras")
keras.models.load_model("model.keras", custom_objects={"KEY": create_huber(2.0)})
"""


def _ll207(result) -> list[tuple[int, str, str]]:
    return [(f.span.line, f.severity.value, f.message.split(",")[0])
            for f in result.findings if f.code == "LL207"]


def test_a_loss_a_factory_returns_is_recorded_by_its_own_name_and_follows_the_load_line():
    """`create_huber(2.0)` compiles in `huber_fn`: custom_objects must name `huber_fn` (the
    b_ll207_*loss_factory* fixtures run both under Keras). The factory's block keeps its text
    while the load line changes, so its findings must follow the evidence, not a cache."""
    path = "/virtual/factory_loss.py"
    given = FACTORY.replace("KEY", "huber_fn")
    wrong = FACTORY.replace("KEY", "create_huber")
    assert _ll207(analyse(given, path=path)) == []
    assert _ll207(analyse(wrong, path=path)) == [(5, "error", "huber_fn")]
    assert _ll207(analyse(given, path=path)) == []
    assert _ll207(analyse(wrong, path="/virtual/factory_loss_fresh.py")) == [
        (5, "error", "huber_fn")]
