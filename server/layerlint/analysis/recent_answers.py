"""Answers about the file system that are asked often (per keystroke, per block) and may
change while a file is open (a marker file or an `__init__.py` comes or goes): each is
remembered per key and looked up again after `SECONDS`."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

SECONDS = 30.0

_Value = TypeVar("_Value")


def recent_answer(table: dict, key: Hashable, look_up: Callable[[], _Value],
                  limit: int | None = None) -> _Value:
    """`look_up()`, remembered in `table` under `key` for `SECONDS`; a table holding more than
    `limit` answers is emptied before a new one is kept."""
    now = time.monotonic()
    known = table.get(key)
    if known is not None and now - known[0] < SECONDS:
        return known[1]
    if limit is not None and len(table) > limit:
        table.clear()
    answer = look_up()
    table[key] = (now, answer)
    return answer
