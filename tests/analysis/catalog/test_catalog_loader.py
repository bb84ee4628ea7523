"""The catalog loader: facts the rules rely on, version selection, and no framework imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from layerlint.analysis import catalog

CATALOG_DIR = Path(catalog.__file__).parent
CATALOG_FILES = sorted(CATALOG_DIR.glob("*.json"))
PUBLIC_PREFIX = {"keras": "keras.layers", "tf_keras": "tf_keras.layers", "torch": "torch.nn"}


def keras_39() -> str:
    """The full version recorded in keras-3.9.json, e.g. "3.9.2"."""
    return json.loads((CATALOG_DIR / "keras-3.9.json").read_text())["version"]


def test_every_framework_has_a_main_file():
    for framework in catalog.FRAMEWORKS:
        assert (CATALOG_DIR / f"{framework}.json").is_file()
        assert catalog.lookup(framework, "Module" if framework == "torch" else "Layer") is not None


@pytest.mark.parametrize("framework", ["keras", "tf_keras"])
def test_batch_normalization_keeps_moving_statistics_bound_to_its_input(framework):
    info = catalog.lookup(framework, "BatchNormalization")
    assert info.moving_statistics is True
    assert info.shape_bound_weights is True
    assert info.stateless is False
    assert set(info.non_trainable_weights) == {"moving_mean", "moving_variance"}


@pytest.mark.parametrize("framework", ["keras", "tf_keras"])
@pytest.mark.parametrize("name", ["MaxPooling2D", "MaxPool2D", "ReLU", "Flatten", "Add"])
def test_keras_stateless_layers(framework, name):
    info = catalog.lookup(framework, name)
    assert info.stateless is True
    assert info.has_weights is False
    assert info.moving_statistics is False


@pytest.mark.parametrize("name", ["MaxPool2d", "ReLU", "Flatten", "Dropout", "InstanceNorm2d"])
def test_torch_stateless_modules(name):
    assert catalog.lookup("torch", name).stateless is True


def test_aliases_share_facts_and_name_their_canonical_class():
    alias, canonical = catalog.lookup("keras", "MaxPool2D"), catalog.lookup("keras", "MaxPooling2D")
    assert alias.canonical == canonical.canonical == "MaxPooling2D"
    assert alias.name == "MaxPool2D"
    assert {"keras.layers.MaxPool2D", "keras.layers.MaxPooling2D"} <= set(alias.exported_as)
    assert alias.stateless == canonical.stateless


@pytest.mark.parametrize("framework", ["keras", "tf_keras"])
@pytest.mark.parametrize("name", ["Dense", "Conv2D", "LayerNormalization"])
def test_keras_weighted_layers_are_shape_bound(framework, name):
    info = catalog.lookup(framework, name)
    assert info.has_weights is True
    assert info.shape_bound_weights is True
    assert info.weights_from_constructor is False


def test_embedding_weights_come_from_its_constructor():
    info = catalog.lookup("keras", "Embedding")
    assert info.shape_bound_weights is False
    assert info.weights_from_constructor is True


def test_torch_weights_come_from_constructor_except_lazy_modules():
    linear, lazy = catalog.lookup("torch", "Linear"), catalog.lookup("torch", "LazyLinear")
    assert (linear.shape_bound_weights, linear.weights_from_constructor) == (False, True)
    assert (lazy.shape_bound_weights, lazy.weights_from_constructor) == (True, False)


@pytest.mark.parametrize("framework", catalog.FRAMEWORKS)
def test_dropout_is_random_not_statistics(framework):
    info = catalog.lookup(framework, "Dropout")
    assert info.random is True
    assert info.moving_statistics is False
    assert info.has_weights is False


def test_keras_dropout_seed_state_is_rng_state_not_a_weight():
    info = catalog.lookup("keras", "Dropout")
    assert info.rng_state is True
    assert info.stateless is True


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "SyncBatchNorm", "LazyBatchNorm2d"])
def test_torch_batch_norm_keeps_running_statistics(name):
    info = catalog.lookup("torch", name)
    assert info.moving_statistics is True
    assert {"running_mean", "running_var"} <= set(info.non_trainable_weights)


@pytest.mark.parametrize(
    ("framework", "name"),
    [("torch", "Sequential"), ("torch", "ModuleList"), ("torch", "ModuleDict"), ("keras", "Sequential")],
)
def test_containers(framework, name):
    info = catalog.lookup(framework, name)
    assert info.container is True
    assert info.status == "container"
    assert info.moving_statistics is None


def test_keras_39_skips_a_stateless_subclass_build_and_315_does_not():
    """Measured: MaxPooling2D is built in __init__ in both; only 3.9 ignores a subclass build()."""
    old = catalog.lookup("keras", "MaxPooling2D", keras_version=keras_39())
    new = catalog.lookup("keras", "MaxPooling2D")
    assert old.version == keras_39() and new.version == catalog.catalog_version("keras")
    assert old.built_in_init is True and new.built_in_init is True
    assert old.subclass_build_skipped is True
    assert new.subclass_build_skipped is False


def test_keras_version_selects_the_file_by_major_minor():
    assert catalog.lookup("keras", "Dense", keras_version="3.9").version == keras_39()
    assert catalog.lookup("keras", "Dense", keras_version="3.9.0").version == keras_39()
    main = catalog.catalog_version("keras")
    assert catalog.lookup("keras", "Dense", keras_version="3.12.0").version == main
    assert catalog.lookup("keras", "Dense").version == main
    # keras_version concerns Keras 3 only.
    assert catalog.lookup("tf_keras", "Dense", keras_version="3.9").framework == "tf_keras"


def test_unknown_names_and_frameworks_give_none():
    assert catalog.lookup("keras", "NoSuchLayer") is None
    assert catalog.lookup("jax", "Dense") is None
    with pytest.raises(ValueError, match="jax"):
        catalog.catalog_version("jax")


def test_versions_come_from_the_files_oldest_first():
    keras_files = [path for path in CATALOG_FILES if json.loads(path.read_text())["framework"] == "keras"]
    recorded = {json.loads(path.read_text())["version"] for path in keras_files}
    versions = catalog.available_versions("keras")
    assert set(versions) == recorded
    numeric = [tuple(int(part) for part in re.findall(r"\d+", v.split("+")[0])) for v in versions]
    assert numeric == sorted(numeric)
    assert catalog.catalog_version("torch") in catalog.available_versions("torch")


def test_lookups_are_cached():
    assert catalog.lookup("torch", "Conv2d") is catalog.lookup("torch", "Conv2d")


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.name)
def test_entries_are_consistent(path):
    """Invariants of the generator's definitions, over every entry of every file."""
    data = json.loads(path.read_text())
    assert data["generated_by"] == "scripts/generate_catalog.py"
    for name in data["layers"]:
        info = catalog.lookup(data["framework"], name, keras_version=data["version"])
        assert info is not None and info.name == name
        assert any(qualified.endswith(f".{name}") for qualified in info.exported_as), name
        assert f"{PUBLIC_PREFIX[info.framework]}.{name}" in info.exported_as or info.container
        if info.status == "measured":
            assert info.stateless is (not info.has_weights), name
            assert info.shape_bound_weights is not None or info.weights_from_constructor is None
        else:
            assert info.reason, f"{name} is {info.status} without a reason"
        if info.random:
            assert info.has_weights is False, name
        if info.moving_statistics:
            assert info.non_trainable_weights, name
        if info.weights_from_constructor:
            assert info.has_weights and not info.shape_bound_weights, name
        assert (info.status == "container") == bool(info.container), name


def test_loader_never_imports_a_framework():
    code = (
        "import sys\n"
        "from layerlint.analysis import catalog\n"
        "for framework in catalog.FRAMEWORKS:\n"
        "    for name in catalog.names(framework):\n"
        "        catalog.lookup(framework, name, keras_version='3.9.2')\n"
        "    catalog.available_versions(framework)\n"
        "heavy = ('tensorflow', 'keras', 'tf_keras', 'torch', 'jax')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
