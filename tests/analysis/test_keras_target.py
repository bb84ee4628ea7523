"""The Keras target of a module: each kind of evidence, their order when they disagree,
notebooks, the project interpreter, and the caches (nothing is run or imported)."""

from __future__ import annotations

import ast
import json
import os
import random
import sys
import textwrap
from pathlib import Path

import pytest

from layerlint.analysis import analyse, keras_target
from layerlint.analysis.dependency_pins import allowed_range, pins_in_file, pip_install_pins, verdict
from layerlint.analysis.keras_target import block_evidence, resolve
from layerlint.config import Settings

MODULE = "import tensorflow as tf\n\nx = 1\n"


def target_of(text: str, path: Path | None = None, **settings) -> keras_target.KerasTarget:
    tree = ast.parse(text)
    return resolve(block_evidence(text, tree), str(path) if path else None,
                   settings.get("keras_version"), settings.get("python"))


# -- pins ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "major"), [
    ("tensorflow~=2.12", 2),  # names the release it was written for
    ("tensorflow<2.16", 2),
    ("tensorflow==2.15.0", 2),
    ("tensorflow-cpu>=2.4,<2.16", 2),
    ("tensorflow>=2.16", 3),
    ("tensorflow>=2.4", None),  # unbounded: written for whatever was current
    ("tensorflow", None),
    ("keras<3", 2),
    ("keras>=3.0", 3),
    ("keras==2.15.0", 2),
    ("tf-keras", 2),
    ("tf_keras==2.15.1", 2),
    ("tensorflow-compression", 2),  # its last release requires TensorFlow 2.14
])
def test_a_requirement_line_decides_the_major_version(tmp_path, line, major):
    pins = pins_in_file(tmp_path / "requirements.txt", f"numpy\n{line}\n")
    assert verdict(pins).major == major


def test_a_keras_pin_outranks_tf_keras_which_outranks_tensorflow(tmp_path):
    where = tmp_path / "requirements.txt"
    assert verdict(pins_in_file(where, "tensorflow>=2.16\ntf-keras\n")).major == 2
    assert verdict(pins_in_file(where, "tensorflow<2.16\nkeras>=3\n")).major == 3
    decided = verdict(pins_in_file(where, "keras==3.9.2\n"))
    assert (decided.major, decided.version, decided.deciding[0].line) == (3, "3.9.2", 1)
    assert verdict(pins_in_file(where, "keras<3\nkeras>=3\n")).major is None  # they disagree


def test_version_ranges():
    assert allowed_range("~=2.12") == ((2, 12), (3,), None)
    assert allowed_range("^2.12") == ((2, 12), (3,), None)
    assert allowed_range("==2.15.*") == ((2, 15), (2, 16), None)
    assert allowed_range("==3.9.2")[2] == "3.9.2"


@pytest.mark.parametrize(("name", "text"), [
    ("setup.py", "from setuptools import setup\nsetup(install_requires=['numpy', 'tensorflow<2.16'])\n"),
    ("setup.cfg", "[options]\ninstall_requires =\n    numpy\n    tensorflow<2.16\n"),
    ("pyproject.toml", "[project]\nname='x'\ndependencies = ['tensorflow<2.16']\n"),
    ("pyproject.toml", "[tool.poetry.dependencies]\npython = '^3.9'\ntensorflow = '^2.12'\n"),
    ("Pipfile", "[packages]\ntensorflow = '==2.15.0'\n"),
    ("environment.yml", "name: x\ndependencies:\n  - python=3.10\n  - pip:\n    - tensorflow==2.15.0\n"),
])
def test_every_dependency_file_kind(tmp_path, name, text):
    assert verdict(pins_in_file(tmp_path / name, text)).major == 2


def test_pip_install_lines():
    assert verdict(pip_install_pins("!pip install -q 'tensorflow<2.16' numpy", "", 1)).major == 2
    assert verdict(pip_install_pins("%pip install -U keras", "", 1)).major == 3  # the upgrade line
    assert verdict(pip_install_pins("!pip install keras", "", 1)).major is None
    assert verdict(pip_install_pins("!python -m pip install tf-keras~=2.15", "", 1)).major == 2


# -- module evidence ----------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "major"), [
    ("import tf_keras", 2),
    ("import tensorflow_addons as tfa", 2),
    ("from official.nlp import modeling", 2),
    ("opt = tf.keras.optimizers.legacy.Adam()", 2),
    ("opt = keras.optimizers.Adam(lr=0.1)", 2),
    ("model.save('m', save_format='tf')", 2),
    ("self.add_loss(lambda: 0.0)", 2),
    ("model.save_weights('w.h5')", 2),
    ("model.save_weights(f'{name}/ckpt')", 2),
    ("model.fit_generator(data)", 2),
    ("from keras import ops", 3),
    ("y = keras.ops.sum(x)", 3),
    ("keras.saving.register_keras_serializable()(C)", 3),
    ("@keras.saving.register_keras_serializable()\nclass C:\n    pass", 3),
    ("class C:\n    def f(self):\n        if x:\n            return keras.ops.sum(x)", 3),
    ("os.environ['KERAS_BACKEND'] = 'jax'", 3),
    ("import keras_hub", 3),
    ("model.save_weights('model.weights.h5')", None),
    ("import keras", None),
])
def test_module_evidence(code, major):
    assert target_of(f"import os\nimport keras\n{code}\n").major == major


def test_the_legacy_switch_is_read_from_the_module():
    target = target_of("import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tensorflow as tf\n")
    assert (target.major, target.source, target.evidence[0].line) == (2, "legacy-switch", 2)
    assert target_of("import os\nos.environ.setdefault('TF_USE_LEGACY_KERAS', '1')\n").major == 2
    assert target_of("import os\nos.environ['TF_USE_LEGACY_KERAS'] = '0'\n").major is None


def test_module_evidence_that_disagrees_decides_nothing():
    target = target_of("import tf_keras\nfrom keras import ops\n")
    assert target.major is None and len(target.overruled) == 2
    assert "disagrees" in target.summary()


def test_jupyterlab_virtual_documents_spell_magics_as_get_ipython_calls():
    text = "get_ipython().run_line_magic('pip', 'install -q \"tensorflow<2.16\"')\n"
    assert target_of(text).source == "notebook-pin"
    legacy = "get_ipython().run_line_magic('env', 'TF_USE_LEGACY_KERAS=1')\n"
    assert target_of(legacy).source == "legacy-switch"


# -- precedence ---------------------------------------------------------------------------------
def make_project(tmp_path: Path, requirements: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "src").mkdir()
    module = tmp_path / "src" / "model.py"
    module.write_text(MODULE)
    return module


def make_interpreter(tmp_path: Path, *dist_infos: str) -> Path:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    for name in dist_infos:
        (site / f"{name}.dist-info").mkdir()
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")  # never run: only its folder is read
    return python


@pytest.fixture(autouse=True)
def fresh_file_checks(monkeypatch):
    """Each test writes its own files: re-validate them on every call."""
    monkeypatch.setattr(keras_target, "_checked_at", {})
    monkeypatch.setattr(keras_target, "_RECHECK_SECONDS", 0.0)


def test_order_override_switch_installed_pins_module(tmp_path):
    module = make_project(tmp_path, "tensorflow==2.15.0\n")
    python = make_interpreter(tmp_path, "keras-3.9.2", "tensorflow-2.21.0")
    keras_3_code = "from keras import ops\n"
    assert target_of(keras_3_code, module).source == "pin"  # pins outrank the module's imports
    pinned = target_of(keras_3_code, module)
    assert pinned.major == 2 and [item.kind for item in pinned.overruled] == ["module"]
    installed = target_of(keras_3_code, module, python=str(python))
    assert (installed.major, installed.version, installed.source) == (3, "3.9.2", "installed")
    switch = "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
    assert target_of(switch, module, python=str(python)).major == 2
    override = target_of(switch, module, python=str(python), keras_version="3.12.0")
    assert (override.major, override.version, override.source) == (3, "3.12.0", "override")


def test_installed_tensorflow_without_keras(tmp_path):
    python = make_interpreter(tmp_path, "tensorflow_cpu-2.13.1")
    assert target_of(MODULE, python=str(python)).major == 2


def test_the_nearest_folder_with_a_decisive_pin_wins(tmp_path):
    module = make_project(tmp_path, "tensorflow>=2.16\n")
    assert target_of(MODULE, module).major == 3
    (module.parent / "requirements-dev.txt").write_text("tensorflow==2.12.0\n")
    target = target_of(MODULE, module)
    assert target.major == 2 and target.evidence[0].path.endswith("requirements-dev.txt")


def test_the_search_stops_at_the_project_root(tmp_path):
    (tmp_path / "requirements.txt").write_text("tensorflow<2.16\n")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    module = project / "model.py"
    module.write_text(MODULE)
    assert target_of(MODULE, module).major is None


def test_project_files_are_cached_and_reread_when_they_change(tmp_path, monkeypatch):
    module = make_project(tmp_path, "tensorflow<2.16\n")
    reads = []
    original = Path.read_text

    def counting(self, *args, **kwargs):
        reads.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    monkeypatch.setattr(keras_target, "_RECHECK_SECONDS", 60.0)
    assert target_of(MODULE, module).major == 2
    first = len(reads)
    assert target_of(MODULE, module).major == 2
    assert len(reads) == first  # nothing re-read
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tensorflow>=2.16\n")
    os.utime(requirements, ns=(1, 1))
    assert target_of(MODULE, module).major == 2  # not even stat-ed again within a second
    monkeypatch.setattr(keras_target, "_RECHECK_SECONDS", 0.0)
    assert target_of(MODULE, module).major == 3
    assert len(reads) == first + 1


def test_a_folder_above_many_packages_is_listed_once_and_reread_when_it_changes(
        tmp_path, monkeypatch):
    modules = _three_packages(tmp_path)
    listed = []
    original = keras_target._pin_files

    def counting(directory):
        listed.append(directory)
        return original(directory)

    monkeypatch.setattr(keras_target, "_pin_files", counting)
    assert [target_of(MODULE, module).major for module in modules] == [2, 2, 2]
    assert sorted(listed) == sorted([tmp_path, tmp_path / "src", *(m.parent for m in modules)])
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tensorflow>=2.16\n")
    os.utime(requirements, ns=(1, 1))
    assert [target_of(MODULE, module).major for module in modules] == [3, 3, 3]
    (tmp_path / "src" / "requirements.txt").write_text("tensorflow==2.15.0\n")
    assert [target_of(MODULE, module).major for module in modules] == [2, 2, 2]


def test_inside_read_once_each_folder_is_looked_at_once_and_a_change_waits_for_the_next_check(
        tmp_path, monkeypatch):
    modules = _three_packages(tmp_path)
    marker_looks: list[Path] = []
    listed: list[Path] = []
    exists, pin_files = Path.exists, keras_target._pin_files

    def looking(self: Path) -> bool:
        if sys._getframe(1).f_globals["__name__"] == keras_target.__name__:
            marker_looks.append(self.parent)  # a root marker looked for by the pins' search
        return exists(self)

    monkeypatch.setattr(Path, "exists", looking)
    monkeypatch.setattr(keras_target, "_pin_files",
                        lambda directory: listed.append(directory) or pin_files(directory))
    with keras_target.read_once():
        assert [target_of(MODULE, module).major for module in modules] == [2, 2, 2]
        assert [target_of(MODULE, module).major for module in modules] == [2, 2, 2]
        assert sorted(listed) == sorted([tmp_path, tmp_path / "src", *(m.parent for m in modules)])
        looked_at = {folder: marker_looks.count(folder) for folder in marker_looks}
        assert set(looked_at) == {tmp_path, tmp_path / "src", *(m.parent for m in modules)}
        assert max(looked_at.values()) <= len(keras_target._ROOT_MARKERS)
        requirements = tmp_path / "requirements.txt"
        requirements.write_text("tensorflow>=2.16\n")
        os.utime(requirements, ns=(1, 1))
        assert [target_of(MODULE, module).major for module in modules] == [2, 2, 2]
    assert [target_of(MODULE, module).major for module in modules] == [3, 3, 3]


def test_notebook_pip_cells_are_read_from_the_notebook_file(tmp_path):
    make_project(tmp_path, "tensorflow>=2.16\n")
    notebook = tmp_path / "src" / "demo.ipynb"
    cells = [{"cell_type": "code", "source": ["!pip install -q tensorflow==2.15.0\n"]},
             {"cell_type": "code", "source": ["import tensorflow as tf\n"]}]
    notebook.write_text(json.dumps({"cells": cells}))
    target = target_of("pass\nimport tensorflow as tf\n", notebook)
    assert (target.major, target.source) == (2, "notebook-pin")  # nearer than the project's pins
    assert target.summary() == "Keras 2, from notebook-pin: `tensorflow==2.15.0` (demo.ipynb, cell 1)"


def test_findings_carry_the_target_and_json_adds_one_field(tmp_path):
    module = make_project(tmp_path, "tensorflow~=2.12\n")
    source = textwrap.dedent("""\
        import tensorflow as tf

        class A(tf.keras.layers.Layer):
            def call(self, x):
                return tf.keras.layers.Dense(2)(x)
        """)
    (finding,) = analyse(source, path=str(module), settings=Settings()).findings
    record = finding.to_json(str(module))
    assert list(record)[-1] == "keras_target"
    assert record["keras_target"]["major"] == 2
    assert record["keras_target"]["evidence"][0]["text"] == "tensorflow~=2.12"
    assert "requirements.txt:1" in finding.keras_target.summary()


def test_model_garden_is_a_keras_2_world_and_upgrading_tensorflow_says_nothing():
    # tf-docs' SNGP tutorial: `!pip install -U -q tf-models-official tensorflow`.
    decided = verdict(pip_install_pins("!pip install -U -q tf-models-official tensorflow", "", 1))
    assert decided.major == 2 and decided.deciding[0].package == "tf-keras"
    assert verdict(pip_install_pins("!pip install -U -q tensorflow", "", 1)).major is None


def test_trigger_lines_are_the_lines_the_trigger_pattern_matches_on():
    from layerlint.analysis.keras_target import _TRIGGER, _trigger_lines

    texts = ["", "ops", "\n\nops\n", "lr = 1\nxlr = 2\nlr_x = 3\nself.lr\n",
             "import keras.engine\n# legacy ops ops\nrandom\n\nfrom official import x",
             "a = 1\nb = 2\n", "os.environ['KERAS_BACKEND']\nwrappers\n"]
    rng = random.Random(0)  # and `lr` next to every kind of character, at every place
    pieces = ["lr", "l", "r", "_", "a", "1", "\u00e9", "\u00b2", "\u00b7", " ", "\n", ".", "("]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(3000)]
    for text in texts:
        expected = sorted({text.count("\n", 0, m.start()) + 1 for m in _TRIGGER.finditer(text)})
        assert _trigger_lines(text) == expected


def _three_packages(tmp_path) -> list[Path]:
    """A project pinning Keras 2 with a model module in each of three folders under `src/`."""
    make_project(tmp_path, "tensorflow<2.16\n")
    modules = []
    for name in ("first", "second", "third"):
        (tmp_path / "src" / name).mkdir()
        modules.append(tmp_path / "src" / name / "model.py")
        modules[-1].write_text(MODULE)
    return modules
