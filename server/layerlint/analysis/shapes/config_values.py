"""Reading a layer's literal constructor arguments: defaults, unknown values, and the int tuples
that convolution and pooling arguments expand to (`kernel_size=3` is `(3, 3)` in 2-D)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeGuard

from layerlint.analysis.shapes.domain import UNKNOWN

LayerConfig = Mapping[str, object]

INCOMPLETE = "*incomplete"
"""Key set in a config whose call could not be read fully: every rule then answers unknown."""

_MISSING = object()


def value(config: LayerConfig, name: str, default: object = None) -> object:
    """The argument's literal value, `default` when absent, `UNKNOWN` when not a literal."""
    found = config.get(name, _MISSING)
    return default if found is _MISSING else found


def is_int(item: object) -> TypeGuard[int]:
    return isinstance(item, int) and not isinstance(item, bool)


def int_value(config: LayerConfig, name: str, default: object = None) -> int | None:
    """An int argument, or None when absent without default, unknown, or not an int."""
    found = value(config, name, default)
    return found if is_int(found) else None


def int_tuple(found: object, length: int) -> tuple[int, ...] | None:
    """`3` or `(3, 3)` as a tuple of `length` ints; None when unknown or malformed."""
    if is_int(found):
        return (found,) * length
    if isinstance(found, (tuple, list)) and len(found) == length and all(map(is_int, found)):
        return tuple(found)
    return None


def positive_tuple(found: object, length: int) -> tuple[int, ...] | None:
    """Like `int_tuple`, for window sizes, strides and factors: every item at least 1."""
    items = int_tuple(found, length)
    return items if items is not None and min(items, default=1) >= 1 else None


def positive_int(config: LayerConfig, name: str, default: object = None) -> int | None:
    found = int_value(config, name, default)
    return found if found is not None and found >= 1 else None


def bool_value(config: LayerConfig, name: str, default: bool) -> bool | None:
    found = value(config, name, default)
    return found if isinstance(found, bool) else None


def str_value(config: LayerConfig, name: str, default: str | None) -> str | None:
    found = value(config, name, default)
    return found if isinstance(found, str) else None


def known(found: object) -> bool:
    return found is not UNKNOWN
