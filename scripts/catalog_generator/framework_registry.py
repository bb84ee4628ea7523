"""The frameworks the generator knows: whether each is installed, and loading its adapter.

Whether a framework is installed is read from package metadata, and an adapter imports its
framework only when it is loaded, so that asking what is installed imports no framework.
"""

from __future__ import annotations

import importlib.metadata

from .framework import Framework
from .keras_frameworks import load_keras, load_tf_keras
from .torch_framework import load_torch

FRAMEWORKS = ("keras", "tf_keras", "torch")


def installed_version(framework: str) -> str | None:
    """The installed distribution's version, read from metadata (no framework import)."""
    try:
        return importlib.metadata.version(framework.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return None


def load_framework(name: str, keras_backend: str) -> Framework:
    """The adapter for `name`, importing its framework (Keras 3 on `keras_backend`)."""
    if name == "keras":
        return load_keras(keras_backend)
    if name == "tf_keras":
        return load_tf_keras()
    return load_torch()
