"""What a built-in layer does to the shape of its input: `output_shape(framework, layer, config,
inputs)` for Keras 3 ("keras"), tf-keras ("tf_keras") and torch.nn ("torch").

The rules themselves live per framework (`keras_layers`, `torch_layers`); this module is the
entry point: it turns a constructor call into a `LayerConfig` (positional arguments named by the
parameter order measured from the framework, non-literal values kept as `UNKNOWN`) and picks the
rule. An unsupported layer, or a call it cannot read (`**kwargs`, too many positionals), gives
`Shape.unknown()`: never a guess.
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path

from layerlint.analysis import catalog
from layerlint.analysis.shapes import keras_layers, torch_layers
from layerlint.analysis.shapes.config_values import INCOMPLETE, LayerConfig
from layerlint.analysis.shapes.domain import UNKNOWN, Result, Shape

__all__ = ["INCOMPLETE", "LayerConfig", "config_from_call", "is_supported", "output_shape"]

KERAS_FRAMEWORKS = ("keras", "tf_keras")
MULTI_INPUT = frozenset({
    "Add", "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Concatenate", "MultiHeadAttention",
    "Attention", "MultiheadAttention",
})
"""Layers called on several tensors; every other layer takes exactly one input."""


def is_supported(framework: str, layer: str) -> bool:
    if framework in KERAS_FRAMEWORKS:
        return layer in keras_layers.RULES
    if framework == "torch":
        return layer in torch_layers.RULES
    return False


def output_shape(
    framework: str, layer: str, config: LayerConfig, inputs: tuple[Shape, ...]
) -> Result:
    """The layer's output for `inputs` (one Shape per positional tensor input; a merge layer's
    list of tensors is passed as several). Unknown when unsupported or not readable."""
    if not is_supported(framework, layer) or config.get(INCOMPLETE):
        return Shape.unknown()
    if not inputs or (len(inputs) > 1 and layer not in MULTI_INPUT):
        return Shape.unknown()
    if framework in KERAS_FRAMEWORKS:
        if any(x.rank == 0 for x in inputs):
            return Shape.unknown()  # a Keras input always has its batch dimension
        return keras_layers.RULES[layer](framework, config, inputs)
    return torch_layers.RULES[layer](config, inputs)


def config_from_call(info: catalog.LayerInfo, call: ast.Call) -> LayerConfig:
    """The literal constructor arguments of `call`, by parameter name.

    Non-literal values are kept as `UNKNOWN` (the rule must not fall back on a default), and a
    call that cannot be read (`*args`, `**kwargs`, positionals beyond the known parameter order)
    is marked `INCOMPLETE`.
    """
    return _config(info.framework, info.canonical or info.name, call)


def _config(framework: str, layer: str, call: ast.Call) -> dict[str, object]:
    order = parameter_order(framework, layer)
    config: dict[str, object] = {}
    for index, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred) or index >= len(order):
            config[INCOMPLETE] = True
            continue
        config[order[index]] = _value(framework, argument)
    for keyword in call.keywords:
        if keyword.arg is None:
            config[INCOMPLETE] = True
        else:
            config[keyword.arg] = _value(framework, keyword.value)
    return config


def _value(framework: str, node: ast.expr) -> object:
    """A literal; a layer constructed in place (`Bidirectional(LSTM(8))`) as Keras serializes
    it, `{"class_name": "LSTM", "config": {...}}`; anything else `UNKNOWN`."""
    if isinstance(node, ast.Call):
        name = _terminal_name(node.func)
        info = catalog.lookup(framework, name) if name else None
        if info is None:
            return UNKNOWN
        canonical = info.canonical or info.name
        return {"class_name": canonical, "config": _config(framework, canonical, node)}
    return literal(node)


def _terminal_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def literal(node: ast.expr) -> object:
    """The value of a literal expression (`(3, 3)`, `-1`, `"same"`), else `UNKNOWN`."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def parameter_order(framework: str, layer: str) -> tuple[str, ...]:
    """The constructor's parameter names in order, as measured by the shape-record generator."""
    return tuple(_parameter_orders(framework).get(layer, ()))


@functools.cache
def _parameter_orders(framework: str) -> dict[str, list[str]]:
    records = Path(catalog.__file__).parent / "shape_records" / f"{framework}.json"
    try:
        return json.loads(records.read_text(encoding="utf-8")).get("parameters", {})
    except (OSError, ValueError):
        return {}
