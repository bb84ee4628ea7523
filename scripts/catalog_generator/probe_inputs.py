"""Probe tensors: their shapes per rank, their data, and the input a layer accepted (`CallSpec`).

Data is deterministic (seeded) so that two runs measure the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .framework import LABELS, NON_NEGATIVE, SINGLE, STATE_PAIR, TRIPLE, Framework


def numpy_input(shape: tuple[int, ...], dtype: str) -> Any:
    """Deterministic probe data: floats in [-1, 1) or [0, 1), small integers, one-letter strings.

    Negative values matter: RReLU, for one, only shows its randomness below zero.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    if dtype == "float32":
        return rng.uniform(-1.0, 1.0, size=shape).astype("float32")
    if dtype == NON_NEGATIVE:
        return rng.uniform(size=shape).astype("float32")
    if dtype.startswith("int"):
        return rng.integers(0, 4, size=shape).astype(dtype)
    return np.array(["a", "b", "c", "d"])[rng.integers(0, 4, size=shape)]


def channels_last_shape(rank: int, step: int) -> tuple[int, ...]:
    """Batch 2, spatial size 8 and 3 features, each grown by `step` (Keras is channels-last).

    Three features, because image preprocessing layers accept only RGB or grayscale.
    """
    return (2, *([8 + step] * (rank - 2)), 3 + step) if rank > 1 else (2 + step,)


def cube_shape(rank: int, step: int) -> tuple[int, ...]:
    """Batch 2 and every other dimension 4 (+ step): fits Linear (last axis) and Conv (axis 1)."""
    return (2, *([4 + step] * (rank - 1))) if rank > 1 else (2 + step,)


@dataclass(frozen=True)
class CallSpec:
    """An input that a layer accepted: call pattern, dtype and rank."""

    pattern: str
    dtype: str
    rank: int

    def inputs(
        self, fw: Framework, step: int = 0, axis: int | None = None, grow_first_only: bool = False
    ) -> list[Any]:
        """Probe inputs, flat (the call pattern decides how they are passed).

        `step` grows `axis`, or every non-batch axis when `axis` is None; `grow_first_only`
        keeps the other inputs as they were (an RNN cell's state must keep its size).
        """
        if step and grow_first_only:
            return self.inputs(fw, step, axis)[:1] + self.inputs(fw)[1:]
        shape = list(fw.shape_for_rank(self.rank, 0))
        if step:
            grown = fw.shape_for_rank(self.rank, step)
            if axis is None:
                shape = list(grown)
            else:
                shape[axis] = grown[axis]
        x = fw.make_input(tuple(shape), self.dtype)
        if self.pattern == SINGLE:
            return [x]
        if self.pattern == LABELS:
            return [x, fw.make_input((shape[0],), "int64")]
        if self.pattern in (TRIPLE, STATE_PAIR):
            return [x, x, x]
        return [x, x]

    def describe(self, fw: Framework) -> str:
        shape = ",".join(str(d) for d in fw.shape_for_rank(self.rank, 0))
        return f"{self.pattern} with x: {self.dtype}[{shape}]"
