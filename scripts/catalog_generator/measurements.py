"""Measurements on built layers: weight shapes, training-mode effects, and Keras build() calls.

The measurements build and call instances with a `CallSpec` that the layer is known to accept;
`layer_facts` turns their results into catalog facts.
"""

from __future__ import annotations

import functools
from typing import Any

from .construction import Construction, construct
from .framework import SINGLE, Framework, Variable
from .probe_inputs import CallSpec


def outputs_differ(first: list[Any], second: list[Any]) -> bool:
    """Whether two calls' outputs differ beyond float rounding (NaN equals NaN)."""
    import numpy as np

    if len(first) != len(second):
        return True
    for a, b in zip(first, second, strict=True):
        if a.shape != b.shape:
            return True
        if np.issubdtype(a.dtype, np.inexact):
            if not np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True):
                return True
        elif not np.array_equal(a, b):
            return True
    return False


def weight_shapes(variables: list[Variable]) -> list[tuple[str, tuple[int, ...] | None]]:
    """Name and shape of each weight; RNG state is left out, its shape never follows the input."""
    return [(v.name, v.shape) for v in variables if not v.rng]


def measure_training_effects(fw: Framework, layer: Any, spec: CallSpec) -> dict[str, Any]:
    """Moving statistics and randomness, from one built layer called in training mode."""
    import numpy as np

    inputs = spec.inputs(fw)
    fw.call(layer, inputs, spec.pattern, False)
    before = {v.name: v for v in fw.variables(layer) if not v.rng}
    outputs = [fw.to_arrays(fw.call(layer, inputs, spec.pattern, True)) for _ in range(3)]
    after = {v.name: v for v in fw.variables(layer) if not v.rng}
    moving = any(
        not v.trainable and (name not in before or not np.array_equal(before[name].value, v.value))
        for name, v in after.items()
    )
    randomness = any(outputs_differ(outputs[0], other) for other in outputs[1:])
    return {"moving_statistics": moving, "randomness": randomness}


def measure_shape_binding(
    fw: Framework, cls: type, plan: Construction, spec: CallSpec, built_shapes: list
) -> bool | None:
    """Build fresh instances on wider inputs; bound if any weight shape follows the input.

    Three widenings: the framework's feature axis, the last axis (torch Linear reads it) and
    every non-batch axis; with several inputs, of all of them or of the first only. None when
    the layer accepted none of them.
    """
    verdicts = []
    for axis in dict.fromkeys((fw.feature_axis, -1, None)):
        for grow_first_only in (False, True) if spec.pattern != SINGLE else (False,):
            try:
                fw.seed()
                layer, _ = construct(cls, plan)
                inputs = spec.inputs(fw, step=2, axis=axis, grow_first_only=grow_first_only)
                fw.call(layer, inputs, spec.pattern, False)
            except Exception:
                continue
            verdicts.append(weight_shapes(fw.variables(layer)) != built_shapes)
    return any(verdicts) if verdicts else None


def subclass_build_runs(fw: Framework, cls: type, plan: Construction, spec: CallSpec) -> bool:
    """Whether a user subclass's own build() is called, as a user would write it.

    The override keeps the parent's signature (Keras maps input shapes to build() parameters by
    name) but not its `@default` marker, which would make Keras treat it as not overridden.
    """
    calls = []
    parent_build = cls.build

    @functools.wraps(parent_build, updated=())
    def build(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        return parent_build(self, *args, **kwargs)

    subclass = type(f"Probe{cls.__name__}", (cls,), {"build": build})
    fw.seed()
    layer, _ = construct(subclass, plan)
    fw.call(layer, spec.inputs(fw), spec.pattern, False)
    return bool(calls)
