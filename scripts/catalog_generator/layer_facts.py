"""One catalog entry per layer class: the facts, and how measurements decide each of them.

Per layer the catalog records (null where it could not be measured):
    stateless                no variables/parameters/buffers after building (RNG state aside)
    has_weights              the opposite: some trainable or non-trainable variable exists
    moving_statistics        a non-trainable variable changes during a training-mode forward pass
    shape_bound_weights      weight shapes change when the input's feature dimension changes
    weights_from_constructor has weights whose shapes come from constructor arguments alone
    random                   training-mode outputs differ between calls, and no weights
    rng_state                owns a random-generator state variable (Keras 3 SeedGenerator)
    built_in_init            Keras: `layer.built` is already True right after construction
    subclass_build_skipped   Keras: a subclass that defines build() never has it called
    container                its constructor takes the layers it will run (Sequential, ...)
besides `status` (measured, container or unknown), the `reason` for an unknown, the `probe` used
(constructor arguments and call), and the names of the trainable and non-trainable weights.
"""

from __future__ import annotations

from typing import Any

from .call_search import find_working_call
from .construction import Construction, construct, plan_construction
from .framework import Framework, Variable
from .measurements import measure_shape_binding, measure_training_effects, subclass_build_runs, weight_shapes
from .nesting import contains
from .probe_inputs import CallSpec
from .stable_text import describe_argument, summarize_error


def empty_entry(canonical: str, exported_as: list[str]) -> dict[str, Any]:
    return {
        "canonical": canonical,
        "exported_as": exported_as,
        "status": "unknown",
        "reason": None,
        "probe": None,
        "stateless": None,
        "has_weights": None,
        "moving_statistics": None,
        "shape_bound_weights": None,
        "weights_from_constructor": None,
        "random": None,
        "rng_state": None,
        "built_in_init": None,
        "subclass_build_skipped": None,
        "container": None,
        "trainable_weights": None,
        "non_trainable_weights": None,
    }


def record_weights(entry: dict[str, Any], variables: list[Variable]) -> None:
    weights = [v for v in variables if not v.rng]
    entry["has_weights"] = bool(weights)
    entry["stateless"] = not weights
    entry["rng_state"] = any(v.rng for v in variables)
    entry["trainable_weights"] = [v.name for v in weights if v.trainable]
    entry["non_trainable_weights"] = [v.name for v in weights if not v.trainable]


def probe_layer(fw: Framework, cls: type, exported_as: list[str]) -> dict[str, Any]:
    """Every fact the catalog records about one class, measured; unknowns carry a reason."""
    entry = empty_entry(cls.__name__, exported_as)
    plan = plan_construction(fw, cls)
    if plan.missing:
        entry["reason"] = f"no probe value for required parameter(s): {', '.join(plan.missing)}"
        return entry
    try:
        fw.seed()
        layer, arguments = construct(cls, plan)
    except Exception as exc:
        entry["reason"] = f"construction failed: {summarize_error(exc)}"
        return entry
    entry["probe"] = {"arguments": describe_argument(arguments), "call": None}
    entry["container"] = any(contains(value, fw.is_layer) for value in arguments.values())
    entry["built_in_init"] = fw.is_built(layer)
    if entry["container"]:
        entry["status"] = "container"
        entry["reason"] = "holds the layers given to its constructor; its facts are theirs"
        return entry
    shapes_fixed = record_construction_facts(fw, entry, layer)
    spec, error = find_working_call(fw, cls, plan)
    if spec is None:
        entry["reason"] = f"no probe input worked: {error}"
        return entry
    entry["probe"]["call"] = spec.describe(fw)
    entry["status"] = "measured"
    record_call_facts(fw, entry, cls, plan, spec, shapes_fixed)
    return entry


def record_construction_facts(fw: Framework, entry: dict[str, Any], layer: Any) -> bool:
    """Facts readable before any call (torch creates its parameters in __init__).

    Returns whether every weight shape was fixed at construction, which then also holds for
    modules that no probe input fits.
    """
    variables = fw.variables(layer)
    if not fw.weights_exist_at_construction or any(v.shape is None for v in variables):
        return False
    record_weights(entry, variables)
    entry["shape_bound_weights"] = False
    entry["weights_from_constructor"] = entry["has_weights"]
    if not entry["non_trainable_weights"]:
        entry["moving_statistics"] = False  # nothing that a forward pass could update
    return True


def record_call_facts(
    fw: Framework,
    entry: dict[str, Any],
    cls: type,
    plan: Construction,
    spec: CallSpec,
    shapes_fixed: bool,
) -> None:
    """Facts measured by building and calling fresh instances on an accepted input."""
    fw.seed()
    layer, _ = construct(cls, plan)
    fw.call(layer, spec.inputs(fw), spec.pattern, False)
    variables = fw.variables(layer)
    record_weights(entry, variables)
    bound = False
    if entry["has_weights"]:
        bound = measure_shape_binding(fw, cls, plan, spec, weight_shapes(variables))
        if bound is None and shapes_fixed:
            bound = False
    entry["shape_bound_weights"] = bound
    entry["weights_from_constructor"] = None if bound is None else entry["has_weights"] and not bound
    try:
        fw.seed()
        effects = measure_training_effects(fw, layer, spec)
        entry["moving_statistics"] = effects["moving_statistics"]
        entry["random"] = effects["randomness"] and not entry["has_weights"]
    except Exception as exc:
        entry["reason"] = f"training-mode call failed: {summarize_error(exc)}"
    if fw.probes_keras_build:
        try:
            entry["subclass_build_skipped"] = not subclass_build_runs(fw, cls, plan, spec)
        except Exception as exc:
            entry["reason"] = f"subclass build probe failed: {summarize_error(exc)}"
