"""LL206 sublayers-without-build: an explicit build() that leaves a Keras 3 layer's sublayers unbuilt.

The layer or model creates sublayers in `__init__` but has no `build()` of its own.

What goes wrong: Keras 3's default `Layer.build()` creates nothing. It warns (UserWarning
"`build()` was called on layer 'net', however the layer does not have a `build()` method
implemented and it looks like it has unbuilt state. This will cause the layer to be marked as
built, despite not being actually built, which may cause failures down the line."), marks the
layer built, and leaves every sublayer without weights. Measured with Keras 3.15.1 (TensorFlow
backend) and 3.9.2 (torch backend):
- `model = Net(); model.build((None, 3)); model.load_weights("net.weights.h5")` loads NOTHING
  and raises nothing: `model.weights` stays empty, the sublayers get fresh random weights on the
  first call, and the outputs differ from the saved model's. (Each unbuilt Dense fails to load,
  but Keras visits it a second time through `model.layers` with an empty store, which succeeds
  and clears the error.)
- `count_params()` after such a `build()` is 0; `save_weights()` writes no weights for the
  sublayers, and loading that file into a working model then fails with `Layer 'dense' expected
  2 variables, but received 0 variables during loading`.
- A parent whose own `build()` calls `self.child.build(shape)` on such a child: the child's
  sublayers stay unbuilt, and `load_weights` silently skips them the same way.
When it does not matter (not reported): layers built by a call on data, `keras.Input`, a
functional or Sequential model, or `load_model()` (which builds subclassed models by running
them), all of which build the sublayers as they call them; and tf-keras, whose `Model.build()`
runs `call()` on a placeholder (26 weights where Keras 3 has 0).

Reported on the `.build(...)` call when the object is an instance of such a class of this
module and its weights are needed before anything calls it on data: a local variable assigned
`Net(...)` in the same scope whose next use is `load_weights` (error: weights silently not
loaded), or `set_weights`, `get_weights`, `save_weights`, `save`, `count_params`, `summary`,
`.weights` (warning); and `self.child.build(...)` for a `self.child = Child(...)` sublayer
(warning). A `build()` followed by `fit`/`predict`/a call is harmless (the call builds the
sublayers) and is not reported; when only a `summary()` or a variable count (`count_params`,
`len(model.weights)`) comes before such a call, only those numbers are off: information
(measured `b_ll206_summary_then_fit.py`: 0 parameters at the summary, 41 after `fit`).
Keras 3 only: a project that targets Keras 2 (`layerlint.analysis.keras_target`) is not
reported (measured `b_ll206_silent_legacy_build_then_load.py`: tf-keras' build() runs call()
and the weights load); when the target is unknown the finding is information, its message
starting "On Keras 3: ".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.frameworks import model_base_framework
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.keras_class import ON_KERAS_3, target_flavour
from layerlint.analysis.model_index import ClassModel, LayerDefinition
from layerlint.analysis.node_index import nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.source import parse_block_text
from layerlint.analysis.walk import own_nodes
from layerlint.findings import Finding, Severity
from layerlint.fix_requests import AddSymbolicBuild
from layerlint.syntax.self_attributes import is_self, self_attribute

CODE = "LL206"
NAME = "sublayers-without-build"
SEVERITY = Severity.WARNING

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef)
# After `build()`, uses that need the weights to exist, and uses that create them (a call on
# data builds every sublayer): only the first of either kind decides.
_NEEDS_WEIGHTS = {"load_weights", "set_weights", "get_weights", "save_weights", "count_params",
                  "summary", "save", "weights", "trainable_weights", "non_trainable_weights",
                  "variables", "trainable_variables", "non_trainable_variables"}
_ONLY_COUNTS = {"summary", "count_params", "weights", "trainable_weights", "non_trainable_weights",
                "variables", "trainable_variables", "non_trainable_variables"}
_BUILDS_BY_CALLING = {"fit", "predict", "evaluate", "train_on_batch", "test_on_batch",
                      "predict_on_batch", "__call__", "call"}


def check(facts: BlockFacts) -> Iterable[Finding]:
    if ".build(" not in facts.text:
        return
    tree, _ = parse_block_text(facts.text)  # cached: the engine parsed this text already
    if tree is None:
        return
    for scope, owner in _scopes(tree, facts):
        for call, receiver in _build_calls(scope):
            class_name = _instance_class(receiver, call, scope, owner, facts)
            model = facts.local_classes.get(class_name) if class_name else None
            if model is None or facts.frameworks.get(model.name) != "keras":
                continue
            flavour = target_flavour(facts, model.name)
            if flavour == "legacy":  # tf.keras 2's Model.build() runs call(): all built
                continue
            sublayers = _init_sublayers(model, facts, set())
            if not sublayers or _has_build(model, facts, set()):
                continue
            called_later = False
            if owner is not None and self_attribute(receiver) is not None:
                use: str | None = "parent build"  # the parent's own weights loading skips it
            else:
                uses = _uses_after(receiver, call, scope)
                use = uses[0] if uses else None
                called_later = "call" in uses
            if use in _NEEDS_WEIGHTS or use == "parent build":
                yield _finding(facts, call, model, sublayers, use, flavour, called_later)


def _scopes(tree: ast.Module, facts: BlockFacts) -> Iterator[tuple[ast.AST, ast.ClassDef | None]]:
    """Every function, every method with its class, and the module's own statements when these
    facts are the module program."""
    # The engine analyses top-level statements twice, block by block and once more as one
    # module program (which sees variables across statements); module-level code is read
    # from the program only, so each finding comes once.
    if facts.module_program:
        yield tree, None
    for statement in tree.body:
        if isinstance(statement, _SCOPES):
            yield statement, None
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, _SCOPES):
                    yield member, statement




def _build_calls(scope: ast.AST) -> Iterator[tuple[ast.Call, ast.expr]]:
    if not any(type(node.func) is ast.Attribute and node.func.attr == "build"
               for node in nodes_of_type(scope, ast.Call)):
        return  # no `.build(...)` here, nested scopes included: its own nodes need no walk
    for node in own_nodes(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
            node.func.attr == "build"
        ):
            yield node, node.func.value


def _instance_class(
    receiver: ast.expr, call: ast.Call, scope: ast.AST, owner: ast.ClassDef | None,
    facts: BlockFacts,
) -> str | None:
    """The local class `receiver` is an instance of, when the code says so plainly."""
    if isinstance(receiver, ast.Call):
        return _constructed_class(receiver, facts)
    if isinstance(receiver, ast.Name):
        assignments = [
            node for node in own_nodes(scope)
            if isinstance(node, ast.Assign) and node.lineno < call.lineno
            and any(isinstance(t, ast.Name) and t.id == receiver.id for t in node.targets)
        ]
        latest = max(assignments, key=lambda node: node.lineno, default=None)
        return _constructed_class(latest.value, facts) if latest else None
    if owner is not None and isinstance(receiver, ast.Attribute) and is_self(receiver.value):
        model = facts.local_classes.get(owner.name)
        definitions = model.attributes.get(receiver.attr, []) if model else []
        kinds = {(d.spec.kind, d.spec.class_name) for d in definitions}
        if len(kinds) == 1 and next(iter(kinds))[0] == "custom":
            return next(iter(kinds))[1]
    return None


def _constructed_class(node: ast.expr, facts: BlockFacts) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    name = qualified_name(node.func, facts.imports)
    return name if name in facts.local_classes else None


def _init_sublayers(model: ClassModel, facts: BlockFacts, seen: set[str]) -> list[str]:
    """Attributes holding layers that `__init__` (or a helper it calls) creates, inherited ones
    from local base classes included."""
    seen.add(model.name)
    names = [
        name for name, definitions in model.attributes.items()
        if any(_created_in_init(definition) for definition in definitions)
    ]
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None and base not in seen:
            names += [name for name in _init_sublayers(local, facts, seen) if name not in names]
    return names


def _created_in_init(definition: LayerDefinition) -> bool:
    return definition.method != "build"


def _has_build(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    """Whether the class, or a base between it and keras Layer/Model, defines build()."""
    if "build" in model.methods:
        return True
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            if base not in seen and _has_build(local, facts, seen):
                return True
        elif model_base_framework(base) != "keras":
            return True  # a built-in layer (Dense, ...) or a library base: its own build()
    return False


def _uses_after(receiver: ast.expr, call: ast.Call, scope: ast.AST) -> list[str]:
    """What the code does with the object after `build()`, in order: names from _NEEDS_WEIGHTS
    and "call" (a call on data, which builds the sublayers)."""
    if not isinstance(receiver, (ast.Name, ast.Attribute)):
        return []
    text = ast.dump(receiver)
    uses = []
    for node in own_nodes(scope):
        position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if position <= (call.lineno, call.col_offset):
            continue
        if isinstance(node, ast.Call) and ast.dump(node.func) == text:
            uses.append((position, "call"))
        elif isinstance(node, ast.Attribute) and ast.dump(node.value) == text and (
            node.attr in _NEEDS_WEIGHTS or node.attr in _BUILDS_BY_CALLING
        ):
            uses.append((position, "call" if node.attr in _BUILDS_BY_CALLING else node.attr))
    return [use for _, use in sorted(uses)]


def _finding(
    facts: BlockFacts, call: ast.Call, model: ClassModel, sublayers: list[str], use: str,
    flavour: str | None, called_later: bool,
) -> Finding:
    names = ", ".join(f"self.{name}" for name in sublayers[:3]) + (", ..." if len(sublayers) > 3 else "")
    kind = "model" if _is_model(model, facts, set()) else "layer"
    loads = use == "load_weights"
    if loads:
        consequence = ("so the load_weights() below loads nothing and raises nothing: the "
                       "sublayers keep fresh random weights")
    elif use == "parent build":
        consequence = ("so its sublayers stay unbuilt inside the built parent, and load_weights() "
                       "on the parent silently skips them")
    else:
        consequence = (f"so its sublayers have no weights when .{use} uses them below: "
                       "count_params() is 0, save_weights() writes none of theirs, and "
                       "load_weights() silently loads nothing into them")
    message = (
        f"{model.name} creates sublayers in __init__ ({names}) but has no build(): Keras 3's "
        f"default build() only marks the {kind} built (\"it looks like it has unbuilt state\"), "
        f"{consequence}. Give {model.name} a build() that builds its sublayers, or build the "
        f"{kind} by calling it on data."
    )
    fixes: tuple[AddSymbolicBuild, ...] = ()
    if _can_trace_call(model):
        fixes = (AddSymbolicBuild(
            title=f"Add {model.name}.build() that builds its sublayers", class_name=model.name,
        ),)
    severity = Severity.ERROR if loads else SEVERITY
    if use in _ONLY_COUNTS and called_later:
        # Only a summary or a variable count is off; the call below builds every sublayer.
        severity = Severity.INFORMATION
        message += f" (A call on data below builds them, so only this .{use} is affected.)"
    if flavour == "unknown":
        severity, message = Severity.INFORMATION, ON_KERAS_3 + message
    return Finding(CODE, NAME, severity, facts.span(call), message, fixes=fixes)


def _is_model(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None and base not in seen and _is_model(local, facts, seen):
            return True
        if base.endswith(".Model") and model_base_framework(base) == "keras":
            return True
    return False


def _can_trace_call(model: ClassModel) -> bool:
    """The fix traces call() through `compute_output_spec`, which Keras skips when the class
    computes its output shape itself; and call() must take the input positionally."""
    if {"compute_output_shape", "compute_output_spec"} & set(model.methods):
        return False
    call = model.methods.get("call")
    return call is not None and len(call.args.posonlyargs) + len(call.args.args) >= 2


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="build() on a Keras 3 layer/model with sublayers but no build(): its sublayers get no weights.",
    fix_title="Add a build() that traces call() on a symbolic input, building every sublayer.",
    fix_safety="unsafe",
    keras_version_aware=True,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)

    def call(self, x):
        return self.dense(x)


model = Net()
model.build((None, 3))  # LL206: the Dense gets no weights
model.load_weights("net.weights.h5")  # loads nothing and raises nothing
""",
        fix=(
            "Give the class a `build()` that traces `call()` once on a symbolic input, "
            "`self.compute_output_spec(keras.KerasTensor(input_shape))`, which builds every sublayer "
            "the way `load_model` does (after it, the measured `load_weights` restores the outputs "
            "exactly)."
        ),
        fix_safety=(
            "build() now traces call() on a symbolic input, which can fail for call signatures the "
            "input shape does not describe (several inputs, required extra arguments)."
        ),
        when_to_ignore=(
            "When the object is called on data (or trained) before its weights are read, which builds "
            "the sublayers; or the code runs only on tf-keras, whose `build()` runs `call()`: set "
            "`keras-version` so the rule knows."
        ),
    ),
)
