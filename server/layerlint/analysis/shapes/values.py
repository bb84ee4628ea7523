"""The abstract values the shape interpreter (`infer.py`) computes with: tensors of a static
shape (and the line that produced them), layers (built-in, with their literal constructor
arguments; Sequential containers; instances of the module's own model classes), Python
constants and lists. Anything else is `None`: unknown."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from layerlint.analysis import catalog
from layerlint.analysis.shapes.domain import Shape


@dataclass(frozen=True)
class Tensor:
    shape: Shape
    origin: int | None = None
    """The line whose call produced this shape (for messages naming where a shape comes from)."""


@dataclass(frozen=True)
class Const:
    """A known Python constant: int, float, str, bool, None, or a tuple of those."""

    value: object


@dataclass
class ListValue:
    """A Python list/tuple of values (layers, tensors): what `[a, b]` and `append` build."""

    items: list
    poisoned: bool = False
    """Changed somewhere the interpreter could not follow: its contents are unknown."""


@dataclass
class BuiltinLayer:
    info: catalog.LayerInfo
    config: dict
    node: ast.Call
    line: int
    weights: tuple[Shape, ...] | None = None
    """Shapes of a `weights=[...]` argument made in the file, when all are known."""
    last_rank: int | None = None
    """Rank of the input of its latest call."""
    first_input: Shape | None = None
    """The input of its first call: what Keras builds its weights for."""
    built_at: int | None = None
    """When (the interpreter's event count) it was built: first called, or added to a
    Sequential whose input is already declared (Keras builds it there)."""

    @property
    def name(self) -> str:
        return self.info.canonical or self.info.name

    @property
    def framework(self) -> str:
        return self.info.framework


@dataclass
class SequentialModel:
    framework: str
    layers: list = field(default_factory=list)
    """(value, site node, line offset) per element, in order."""
    declared_input: Shape | None = None
    origin: int | None = None
    poisoned: bool = False
    finished: bool = False
    """Already run on its declared input."""
    loss: str | None = None
    """The loss `compile` named, when a string."""


@dataclass
class Instance:
    """An instance of a model class of this module (a Keras Layer/Model or torch Module)."""

    class_name: str
    framework: str
    attributes: dict = field(default_factory=dict)
    line: int = 0


def is_layer(value: object) -> bool:
    return isinstance(value, (BuiltinLayer, SequentialModel, Instance))
