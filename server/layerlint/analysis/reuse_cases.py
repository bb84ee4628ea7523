"""Wires the flow walker (`flow.py`) into reuse cases (`reuse.py`) for the rules.

A class's forward method (`call`, `forward`) is walked with its layer attributes resolved
through the class and its bases; a function body, or the module-level program, is walked as
functional-API code whose layers are local variables. Both hand the walker the layer taxonomy
(`layer_taxonomy`) to judge which reuse matters.
"""

from __future__ import annotations

import ast

from layerlint.analysis.class_attributes import name_attributes
from layerlint.analysis.class_resolution import ModuleContext
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.flow import FlowWalker, LayerRef, Scope, binds_layer_variable
from layerlint.analysis.layer_taxonomy import (
    layer_attributes,
    layer_category,
    layer_output,
    produced_value,
)
from layerlint.analysis.model_index import FORWARD_METHODS, ClassModel, LayerSpec, construction_spec
from layerlint.analysis.reuse import find_reuse
from layerlint.analysis.walk import walk
from layerlint.syntax.scope_names import names_taken_in_function, names_taken_in_module


def class_reuse(model: ClassModel, context: ModuleContext, framework: str | None) -> list:
    attributes = layer_attributes(model, context)
    methods = dict(model.methods)
    forward = next(
        (methods[name] for name in FORWARD_METHODS.get(framework or "", ()) if name in methods),
        None,
    )
    if forward is None:
        return []

    def resolve_attribute(name: str) -> LayerSpec | None:
        definitions = attributes.get(name)
        return definitions[-1].spec if definitions else None

    def resolve_construction(node: ast.expr) -> LayerSpec | None:
        return construction_spec(node, context.imports, context.classes, context.keras_version)

    scope = Scope(resolve_attribute, resolve_construction, layer_output, methods,
                  produced_value=lambda node: produced_value(node, context))
    occurrences = FlowWalker(scope).walk_function(forward)
    read: list[set[str]] = []  # `self.<name>` read anywhere in the class, once a case asks

    def loaded() -> set[str]:
        if not read:
            read.append({
                node.attr for node, name in name_attributes(model.node)
                if name == "self" and isinstance(node.ctx, ast.Load)
            })
        return read[0]

    def spec_of(ref: LayerRef) -> LayerSpec | None:
        spec = resolve_attribute(ref.name)
        if spec is not None and ref.index is not None:
            return spec.elements[0] if spec.elements else None
        return spec

    def unused_siblings(ref: LayerRef, spec: LayerSpec) -> tuple[str, ...]:
        return tuple(sorted(
            name for name, definitions in attributes.items()
            if name != ref.name and name not in loaded()
            and any(d.spec.kind == spec.kind and d.spec.class_name == spec.class_name for d in definitions)
        ))

    return find_reuse(occurrences, spec_of, lambda spec: layer_category(spec, context), unused_siblings)


def functional_reuse(
    scope_node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts,
    context: ModuleContext,
) -> list:
    def resolve_construction(node: ast.expr) -> LayerSpec | None:
        return construction_spec(node, context.imports, context.classes, context.keras_version)

    statements = scope_node.body
    if not binds_layer_variable(statements, resolve_construction):
        return []  # no layer variable: the walk would record no call
    scope = Scope(lambda name: None, resolve_construction, layer_output, {}, functional=True,
                  produced_value=lambda node: produced_value(node, context))
    walker = FlowWalker(scope)
    occurrences = walker.walk_statements(statements)
    if not occurrences:
        return []
    if isinstance(scope_node, ast.Module):
        function_name, taken = None, names_taken_in_module(scope_node)
    else:
        function_name, taken = scope_node.name, names_taken_in_function(scope_node)
    definitions = {
        id(node): node for stmt in statements for node in walk(stmt)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
    }
    for occurrence in occurrences:
        statement = definitions.get(occurrence.ref.definition)
        if statement is not None:
            simple = isinstance(statement, ast.Assign) and len(statement.targets) == 1
            facts.variable_definitions[occurrence.ref.definition] = (
                statement if simple else None, function_name, taken, scope_node,
            )
    cases = find_reuse(
        occurrences,
        walker.variable_spec,
        lambda spec: layer_category(spec, context),
    )
    # A whole model (a custom class or a Sequential held in a variable) called on several
    # independent inputs is inference on several batches, not layer sharing, and so is a torch
    # layer outside a forward method (torch runs it there and then: a script's training loop
    # calling `fc(batch_x)`): only a chain or a proven shape clash is worth a word there.
    return [
        case for case in cases
        if not _runs_on_batches(case.spec) or case.chain or case.proven_mismatch
    ]


def _runs_on_batches(spec: LayerSpec) -> bool:
    """Whether calls of the layer in functional code run it on data rather than wire a model:
    a whole model, or any torch layer (Keras wires a functional model from its calls)."""
    return spec.kind in ("custom", "container") or (
        spec.info is not None and spec.info.framework == "torch")
