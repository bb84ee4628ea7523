"""The layer taxonomy: what a layer is, for reuse (its category) and for channel flow.

A layer's category decides which reuse rule speaks: "stateful" (moving statistics, LL101),
"weighted" (LL102/LL103), "random" (Dropout, LL104), "stateless" (nothing to say). A custom
layer or container takes the strongest category of what it owns, including the built-in
layers it derives from. `layer_output` and `produced_value` give the flow walker the channel
counts that prove a shape clash.
"""

from __future__ import annotations

import ast

from layerlint.analysis.class_resolution import ModuleContext
from layerlint.analysis.flow import Value
from layerlint.analysis.frameworks import builtin_layer, framework_of, model_base_framework
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel, LayerSpec
from layerlint.analysis.shapes import preserves_channels
from layerlint.analysis.walk import walk


def layer_attributes(model: ClassModel, context: ModuleContext, seen: set[str] | None = None) -> dict:
    """Layer attributes of a class, inherited ones from local base classes included."""
    seen = seen or set()
    seen.add(model.name)
    merged: dict = {}
    for base in model.base_names:
        base_model = context.classes.get(base)
        if base_model is not None and base not in seen:
            merged.update(layer_attributes(base_model, context, seen))
    merged.update(model.attributes)
    return merged


def layer_category(spec: LayerSpec, context: ModuleContext, seen: set[str] | None = None) -> str | None:
    if spec.kind == "builtin" and spec.info is not None:
        info = spec.info
        if info.moving_statistics:
            return "stateful"
        if info.random:
            return "random"
        if info.stateless:
            return "stateless"
        return "weighted" if info.has_weights else None
    elements = spec.elements
    if spec.kind == "custom":
        seen = seen or set()
        model = context.classes.get(spec.class_name)
        if model is None or spec.class_name in seen:
            return None
        seen.add(spec.class_name)
        elements = tuple(
            definition.spec
            for definitions in layer_attributes(model, context).values()
            for definition in definitions
        ) + _builtin_bases(model, context, set())
        if not elements:
            owns_weights = any(
                isinstance(node, ast.Attribute) and node.attr == "add_weight"
                for node in walk(model.node)
            )
            return "weighted" if owns_weights else None
    categories = {layer_category(element, context, seen) for element in elements}
    for category in ("stateful", "weighted", "random"):
        if category in categories:
            return category
    return "stateless" if categories == {"stateless"} else None


def _builtin_bases(model: ClassModel, context: ModuleContext, seen: set[str]) -> tuple[LayerSpec, ...]:
    """Built-in layers a class derives from (`class BatchNormAct2d(nn.BatchNorm2d)` inherits
    moving statistics), through its local, workspace and installed bases."""
    found: list[LayerSpec] = []
    seen.add(model.name)
    for base in model.base_names:
        info = None if model_base_framework(base) else builtin_layer(base, context.keras_version)
        if info is not None and not info.container:
            found.append(LayerSpec("builtin", base.rsplit(".", 1)[-1], info=info))
        elif base in context.classes and base not in seen:
            found.extend(_builtin_bases(context.classes[base], context, seen))
    return tuple(found)


def produced_value(node: ast.Call, context: ModuleContext) -> Value | None:
    """`keras.Input((16, 16, 3))` produces 3 channels."""
    qualified = qualified_name(node.func, context.imports)
    if qualified is None or not qualified.endswith(".Input") or framework_of(qualified) is None:
        return None
    shape = next((kw.value for kw in node.keywords if kw.arg == "shape"), node.args[0] if node.args else None)
    if not isinstance(shape, (ast.Tuple, ast.List)) or not shape.elts:
        return None
    last = shape.elts[-1]
    if isinstance(last, ast.Constant) and type(last.value) is int:
        return Value(channels=last.value, source=f"Input(shape={ast.unparse(shape)})")
    return None


def layer_output(spec: LayerSpec, input_value: Value) -> Value:
    if spec.kind == "container" and spec.elements:
        value = input_value
        for element in spec.elements:
            value = layer_output(element, value)
        return value
    if spec.kind != "builtin" or spec.info is None:
        return Value()
    if spec.out_channels is not None:
        return Value(channels=spec.out_channels, source=f"{spec.class_name}({spec.out_channels})")
    if preserves_channels(spec.info):
        return Value(channels=input_value.channels, source=input_value.source)
    return Value()
