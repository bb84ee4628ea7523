"""The layer catalog: measured facts about every built-in Keras 3, tf-keras and torch.nn layer.

The facts are generated, not hand-typed: `scripts/generate_catalog.py` instantiates and calls
each public layer class of the installed frameworks and writes the JSON files next to this
module (`keras.json`, `tf_keras.json`, `torch.json`, plus version-specific files such as
`keras-3.9.json` for behaviour that changed between releases). This module only reads them; it
never imports TensorFlow, Keras or torch, and it sits on the typing path, so each file is
parsed once, on first use, and lookups are dict lookups afterwards.

Fact fields are `None` where the generator could not measure them; `status` says why:
"measured", "container" (Sequential, ModuleList, wrappers: their facts are those of the layers
they hold) or "unknown" (could not be built or called; `reason` has the error).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

FRAMEWORKS = ("keras", "tf_keras", "torch")
_FOLDER = Path(__file__).parent
"""The JSON files' folder (read as files: `importlib.resources` would load `tempfile`,
`shutil`, bz2 and lzma, ~1.6 MiB of the server's and the index process's memory)."""
_VERSIONED_FILE = re.compile(r"^(?P<framework>[a-z_]+)-(?P<major_minor>\d+\.\d+)\.json$")


@dataclass(frozen=True)
class LayerInfo:
    """What the catalog knows about one public layer name (aliases have their own entries).

    stateless: no variables, parameters or buffers once built (random-generator state aside).
    moving_statistics: non-trainable state that a training-mode forward pass updates
        (BatchNormalization's moving mean/variance, torch running_mean/running_var).
    shape_bound_weights: weight shapes follow the first input's shape (Dense, ConvND, Lazy*).
    weights_from_constructor: has weights whose shapes come from constructor arguments alone.
    random: training-mode outputs differ from call to call, and no weights (Dropout family).
    rng_state: owns a random-generator state variable (Keras 3 SeedGenerator): not statistics.
    built_in_init: Keras only: `layer.built` is True straight after construction.
    subclass_build_skipped: Keras only: a subclass that defines its own build() never has it
        called (stateless built-ins in Keras 3.6-3.9, see `keras-3.9.json`).
    container: its constructor takes the layers it runs (Sequential, ModuleList, wrappers).
    """

    name: str
    canonical: str
    framework: str
    version: str
    exported_as: tuple[str, ...]
    status: str
    reason: str | None
    stateless: bool | None
    has_weights: bool | None
    moving_statistics: bool | None
    shape_bound_weights: bool | None
    weights_from_constructor: bool | None
    random: bool | None
    rng_state: bool | None
    built_in_init: bool | None
    subclass_build_skipped: bool | None
    container: bool | None
    trainable_weights: tuple[str, ...] | None
    non_trainable_weights: tuple[str, ...] | None


@dataclass(frozen=True)
class _Catalog:
    framework: str
    version: str
    layers: dict[str, LayerInfo]


def lookup(framework: str, name: str, keras_version: str | None = None) -> LayerInfo | None:
    """The entry for the bare class `name` ("BatchNormalization", "BatchNorm2d"), or None.

    `keras_version` ("3.9.2") selects a version-specific file when one exists for its
    major.minor (`keras-3.9.json`); otherwise the main file, generated from the newest release.
    A Keras 2 version ("2", "2.15.0") reads the tf-keras file: its layers are Keras 2's.
    """
    catalog = _catalog_for(framework, keras_version if framework == "keras" else None)
    return None if catalog is None else catalog.layers.get(name)


def catalog_version(framework: str) -> str:
    """The framework version the main catalog file was generated from ("3.15.1")."""
    catalog = _load(f"{framework}.json")
    if catalog is None:
        raise ValueError(f"no layer catalog for framework {framework!r}")
    return catalog.version


def available_versions(framework: str) -> list[str]:
    """Every version with catalog data for `framework`, oldest first: ["3.9.2", "3.15.1"]."""
    versions = [catalog.version for catalog in map(_load, _file_names(framework)) if catalog]
    return sorted(set(versions), key=_version_key)


def names(framework: str, keras_version: str | None = None) -> list[str]:
    """Every public layer name in the catalog, sorted."""
    catalog = _catalog_for(framework, keras_version if framework == "keras" else None)
    return [] if catalog is None else sorted(catalog.layers)


def _catalog_for(framework: str, version: str | None) -> _Catalog | None:
    if framework == "keras" and version is not None and version.split(".")[0].isdigit() and (
        int(version.split(".")[0]) < 3
    ):
        return _load("tf_keras.json")  # Keras 2 (tf.keras up to TF 2.15) has tf-keras' layers
    if version is not None:
        major_minor = ".".join(version.split(".")[:2])
        specific = _load(f"{framework}-{major_minor}.json")
        if specific is not None:
            return specific
    return _load(f"{framework}.json")


@functools.cache
def _file_names(framework: str) -> tuple[str, ...]:
    found = []
    for entry in _FOLDER.iterdir():
        match = _VERSIONED_FILE.match(entry.name)
        if entry.name == f"{framework}.json" or (match and match["framework"] == framework):
            found.append(entry.name)
    return tuple(sorted(found))


@functools.cache
def _load(file_name: str) -> _Catalog | None:
    if not re.fullmatch(r"[a-z_]+(-\d+\.\d+)?\.json", file_name):
        return None
    resource = _FOLDER / file_name
    if not resource.is_file():
        return None
    data = json.loads(resource.read_text(encoding="utf-8"))
    framework, version = data["framework"], data["version"]
    layers = {name: _layer_info(name, framework, version, entry) for name, entry in data["layers"].items()}
    return _Catalog(framework=framework, version=version, layers=layers)


def _layer_info(name: str, framework: str, version: str, entry: dict) -> LayerInfo:
    return LayerInfo(
        name=name,
        canonical=entry["canonical"],
        framework=framework,
        version=version,
        exported_as=tuple(entry["exported_as"]),
        status=entry["status"],
        reason=entry["reason"],
        stateless=entry["stateless"],
        has_weights=entry["has_weights"],
        moving_statistics=entry["moving_statistics"],
        shape_bound_weights=entry["shape_bound_weights"],
        weights_from_constructor=entry["weights_from_constructor"],
        random=entry["random"],
        rng_state=entry["rng_state"],
        built_in_init=entry["built_in_init"],
        subclass_build_skipped=entry["subclass_build_skipped"],
        container=entry["container"],
        trainable_weights=_names_or_none(entry["trainable_weights"]),
        non_trainable_weights=_names_or_none(entry["non_trainable_weights"]),
    )


def _names_or_none(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0]))


__all__ = [
    "FRAMEWORKS",
    "LayerInfo",
    "available_versions",
    "catalog_version",
    "lookup",
    "names",
]
