"""Facts about the environment the server runs in, read without importing any framework."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def keras_version() -> str | None:
    """The Keras 3 version installed beside the server (None when Keras is absent)."""
    return installed_version("keras")
