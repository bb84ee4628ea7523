"""The probe's view of a framework: everything that differs between Keras 3, tf-keras and torch.

`Framework` is filled in by an adapter (`keras_frameworks`, `torch_framework`); the probing code
reads only this interface. The call patterns name how probe inputs are handed to a layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Call patterns: how the probe inputs are handed to a layer.
SINGLE, LIST, POSITIONAL, LABELS, TRIPLE = "x", "[x, x]", "x, x", "x, labels", "x, x, x"
STATE_PAIR = "x, [x, x]"  # an LSTM cell's input and its [h, c] state
# Probabilities (BCELoss) and pixel values want non-negative floats.
NON_NEGATIVE = "float32>=0"


@dataclass(frozen=True)
class Variable:
    """One variable, parameter or buffer seen on a built layer."""

    name: str
    shape: tuple[int, ...] | None  # None: a torch lazy parameter not materialized yet
    trainable: bool
    rng: bool  # random-generator state, not a weight
    value: Any  # numpy copy, or None for a lazy parameter


@dataclass(frozen=True)
class Framework:
    """The probe's view of one framework: how to list, build, call and inspect its layers."""

    name: str
    version: str
    backend: str | None
    module_roots: dict[str, Any]  # public prefix -> module, scanned for all layer classes
    extra_classes: dict[str, tuple[str, ...]]  # public prefix -> class names taken from it
    layer_base: type
    arguments: dict[str, Callable[[], Any]]  # required constructor parameter name -> value
    class_arguments: dict[str, dict[str, Callable[[], Any]]]  # class name -> extra arguments
    call_patterns: tuple[str, ...]
    input_dtypes: tuple[str, ...]
    input_ranks: tuple[int, ...]
    shape_for_rank: Callable[[int, int], tuple[int, ...]]  # (rank, size step) -> shape
    feature_axis: int
    make_input: Callable[[tuple[int, ...], str], Any]
    call: Callable[[Any, list[Any], str, bool], Any]
    variables: Callable[[Any], list[Variable]]
    to_arrays: Callable[[Any], list[Any]]
    is_layer: Callable[[Any], bool]
    is_built: Callable[[Any], bool | None]
    seed: Callable[[], object]
    weights_exist_at_construction: bool  # torch registers parameters in __init__
    probes_keras_build: bool
