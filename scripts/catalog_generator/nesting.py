"""Walking values nested in tuples, lists and dicts: layer outputs and constructor arguments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def nested_values(output: Any) -> Iterator[Any]:
    """Walk tensors nested in tuples, lists and dicts, in a stable order."""
    if isinstance(output, dict):
        for key in sorted(output, key=str):
            yield from nested_values(output[key])
    elif isinstance(output, (list, tuple)):
        for item in output:
            yield from nested_values(item)
    elif output is not None:
        yield output


def contains(value: Any, predicate: Callable[[Any], bool]) -> bool:
    """Whether `value`, or an item of a list/tuple/dict value, satisfies `predicate`."""
    if isinstance(value, dict):
        return any(contains(item, predicate) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains(item, predicate) for item in value)
    return predicate(value)
