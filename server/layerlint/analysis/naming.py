"""Free names for a split layer: `bn` -> `bn_1`, `bn_2` (skipping names already taken)."""

from __future__ import annotations


def split_names(base: str, count: int, taken: set[str]) -> list[str]:
    for pattern in ("{base}_{n}", "{base}{n}", "{base}_split_{n}"):
        names = [pattern.format(base=base, n=n) for n in range(1, count + 1)]
        if not taken.intersection(names):
            return names
    suffix = 2
    while True:
        names = [f"{base}_{suffix}_{n}" for n in range(1, count + 1)]
        if not taken.intersection(names):
            return names
        suffix += 1
