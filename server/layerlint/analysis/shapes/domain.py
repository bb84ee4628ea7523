"""The shape domain of static shape inference: a tensor's rank and each dimension as an int, a
symbol (the batch dimension) or unknown, and the error a framework would raise.

Unknown is always a legitimate answer: `Shape.unknown()` for an unknown rank, `None` for one
unknown dimension. Rules return an unknown rather than guess."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard


@dataclass(frozen=True)
class Symbol:
    """A dimension known by name only, such as the batch dimension."""

    name: str

    def __str__(self) -> str:
        return self.name


BATCH = Symbol("batch")

Dim = int | Symbol | None


@dataclass(frozen=True)
class Shape:
    """A tensor shape; `dims` is None when even the rank is unknown."""

    dims: tuple[Dim, ...] | None

    @staticmethod
    def unknown() -> Shape:
        return _UNKNOWN

    @staticmethod
    def of(*dims: Dim) -> Shape:
        return Shape(tuple(dims))

    @property
    def rank(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    @property
    def known(self) -> bool:
        """The rank is known (individual dimensions may still be unknown)."""
        return self.dims is not None

    @property
    def fully_known(self) -> bool:
        """Every dimension is a concrete int."""
        return self.dims is not None and all(_is_int(dim) for dim in self.dims)

    def display(self) -> str:
        """Keras-style text: `(None, 29, 29, 6)`; the batch symbol and unknown dims print None."""
        if self.dims is None:
            return "(unknown)"
        parts = [str(dim) if _is_int(dim) else "None" for dim in self.dims]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"

    def __str__(self) -> str:
        return self.display()


_UNKNOWN = Shape(None)


@dataclass(frozen=True)
class ShapeError:
    """A crash certain from what is known, phrased as the framework says it
    (`expected min_ndim=4, found ndim=3`): the stable part of its message."""

    message: str
    framework: str = ""


Result = Shape | tuple[Shape, ...] | ShapeError


def _is_int(dim: object) -> TypeGuard[int]:
    return isinstance(dim, int) and not isinstance(dim, bool)


def product(dims: Iterable[Dim]) -> int | None:
    """How many elements `dims` span; None unless every dim is a known int."""
    total = 1
    for dim in dims:
        if not _is_int(dim):
            return None
        total *= dim
    return total


def joined(shapes: Sequence[Shape], axis: int) -> Shape | None:
    """Shapes of one known rank joined along `axis` (0 <= axis < rank), as concatenation
    does: that axis sums where every dim is known; each other axis keeps the dim the shapes
    agree on. None when two known dims of another axis differ (the framework raises)."""
    columns = [shape.dims or () for shape in shapes]
    dims: list[Dim] = []
    for position in range(len(columns[0])):
        column = [shape_dims[position] for shape_dims in columns]
        if position == axis:
            dims.append(sum(column) if all(map(_is_int, column)) else None)  # type: ignore[arg-type]
            continue
        known = {dim for dim in column if _is_int(dim)}
        if len(known) > 1:
            return None
        dims.append(column[0] if len(set(column)) == 1 else (known.pop() if known else None))
    return Shape(tuple(dims))


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True when provably equal, False when provably different, None when unknown."""
    if a is None or b is None:
        return None
    if _is_int(a) and _is_int(b):
        return a == b
    if isinstance(a, Symbol) and isinstance(b, Symbol) and a == b:
        return True
    return None


def broadcast(a: Shape, b: Shape) -> Shape | ShapeError:
    """NumPy broadcasting of two shapes (`+ - *` on tensors, Add with broadcasting).

    An error only when two concrete dims differ and neither is 1; an unknown dim against a
    concrete one gives the concrete one only when that one is not 1 (a 1 would take the other).
    """
    if a.dims is None or b.dims is None:
        return Shape.unknown()
    rank = max(len(a.dims), len(b.dims))
    left = (1,) * (rank - len(a.dims)) + a.dims
    right = (1,) * (rank - len(b.dims)) + b.dims
    dims: list[Dim] = []
    for x, y in zip(left, right, strict=True):
        if x == 1:
            dims.append(y)
        elif y == 1:
            dims.append(x)
        elif _is_int(x) and _is_int(y):
            if x != y:
                return ShapeError(
                    f"Incompatible shapes for broadcasting: {a.display()} and {b.display()}"
                )
            dims.append(x)
        elif x is None or y is None:
            # The unknown side is 1 or equal to the other (result: the other), or it crashes.
            dims.append(y if x is None else x)
        elif x == y:
            dims.append(x)
        else:
            dims.append(None)
    return Shape(tuple(dims))


class _Unknown:
    """The value of an argument that is present but not a literal (`Dense(units)`)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
"""An argument written but not known statically; rules answer unknown rather than use a default."""
