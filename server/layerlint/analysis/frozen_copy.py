"""A copy of a frozen dataclass instance with some fields changed, without running its
`__init__`: what `dataclasses.replace` gives, at a fraction of its cost (`replace` gathers
every field into keyword arguments and `__init__` sets each through `object.__setattr__`).

A paste or deletion moves many small records by some lines (save evidence's uses, the static
shapes' call records): the copies were a large share of such an edit. Only for dataclasses
without `__post_init__`, init-only variables or slots, whose fields are all init fields
(`copyable` says so; tests check the classes that use it): the copy then holds exactly the
fields `replace` would set.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

_Record = TypeVar("_Record")


def with_fields(instance: _Record, **changes: Any) -> _Record:
    """`dataclasses.replace(instance, **changes)` for a `copyable` class."""
    copy = object.__new__(type(instance))
    state = copy.__dict__
    state.update(instance.__dict__)
    state.update(changes)
    return copy


def copyable(cls: type) -> bool:
    """Whether `with_fields` gives what `dataclasses.replace` gives for instances of `cls`."""
    return (dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__")
            and not hasattr(cls, "__slots__")
            and all(field.init and field._field_type is dataclasses._FIELD  # type: ignore[attr-defined]
                    for field in dataclasses.fields(cls))
            and len(dataclasses.fields(cls)) == len(getattr(cls, "__dataclass_fields__", {})))
