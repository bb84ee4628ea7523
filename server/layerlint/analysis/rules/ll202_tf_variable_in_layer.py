"""LL202 tf-variable-in-layer: a `tf.Variable` created in a Keras layer instead of `self.add_weight`.

What goes wrong, measured with TensorFlow 2.21 on the TensorFlow backend:
- Keras 3 (3.15.1; also `tf.keras`, which is Keras 3 here) does not track a `tf.Variable` held by
  a layer at all: it is missing from `layer.weights` and `model.trainable_variables`,
  `model.fit()` warns "The model does not have any trainable weights" (when it is the only one)
  and never changes it, and `save()`/`save_weights()` do not store it, so a reloaded model has
  its initial value. It also ignores the layer's dtype policy: under `mixed_float16` the call
  fails with `InvalidArgumentError` (float16 input times a float32 variable), and it ties the
  layer to the TensorFlow backend. Error only for a trainable float variable that `call()`
  (or a helper it calls) reads, in a layer the module trains, saves or reads the variables of
  (directly, or through a class holding it as a sublayer or deriving from it), or that a project
  file importing it does (one that saves, reloads or moves models: `project_evidence`), as
  `save_evidence` follows it (rebinding, helper functions and their parameters, globals read by
  functions; weights-only saves count): that one never trains, or is lost. A trainable
  variable call() does not read, or one whose `trainable=` is an expression: warning. Any
  variable of a layer neither the module nor the project's files importing it train, save or
  inspect (a demo that only calls it, or a library layer trained by its users): information. A
  non-trainable constant, an integer counter, or state the layer updates itself with
  `assign()`: information (only its value after a reload is lost; measured
  `keras_ll202_step_counter.py`, `keras_ll202_constant_buffer.py`).
- tf-keras 2.21, and `tf.keras` of a project that targets Keras 2, tracks it (tf.Module
  attribute tracking): it is trained and saved (measured `keras_ll202_silent_tf_keras_variable.py`,
  `keras_ll202_silent_legacy_tf_keras.py`): not reported, unless the module uses a mixed
  dtype policy: then the layer computes in float16 while the variable stays float32 and the
  call fails (`TypeError: Input 'y' of 'Mul' Op has type float32 that does not match type
  float16`, measured `keras_ll202_tf_keras_mixed_precision.py`): error.
Which Keras the code targets comes from `layerlint.analysis.keras_target` (setting, project
interpreter, pins, the module's own imports). When it is unknown, what Keras 3 would report is
information, its message starting "On Keras 3: ".
A `tf.Variable` created in `call()` is LL203's case (a crash), not this rule's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.keras_class import (
    CONSTRUCTION_ROOTS,
    FORWARD_ROOTS,
    ON_KERAS_3,
    methods_reached,
    target_flavour,
)
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.save_evidence import WEIGHT_KINDS
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Severity
from layerlint.fix_requests import VariableToAddWeight
from layerlint.syntax.add_weight import VARIABLE_NAMES, add_weight_call
from layerlint.syntax.self_attributes import is_self, self_attribute

CODE = "LL202"
NAME = "tf-variable-in-layer"
SEVERITY = Severity.ERROR


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        flavour = target_flavour(facts, model.name)
        if flavour is None or (flavour == "legacy" and not facts.mixed_precision):
            continue
        construction = methods_reached(model, CONSTRUCTION_ROOTS)
        if not any(_variable_calls(model.methods[name], facts) for name in construction):
            continue  # most classes create no tf.Variable: skip the class-wide questions
        reached = _reached(model.name, facts, set())
        forward = methods_reached(model, FORWARD_ROOTS)
        read = _attributes_read(model, forward)
        updated = _attributes_updated(model)
        for name in construction:
            if name in forward:
                continue
            method = model.methods[name]
            for call, attribute in _variable_creations(method, facts):
                variable = Variable(call, attribute, _trainable(call), _number_kind(call, facts),
                                    attribute in read, attribute in updated, reached)
                finding = _finding(facts, model, method, variable, flavour)
                if finding is not None:
                    yield finding


_INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool")


@dataclass(frozen=True)
class Variable:
    call: ast.Call
    attribute: str | None
    """The `self.<name>` it is stored in (`self.w = ...`, `self.w[i] = ...`, `self.ws = [...]`)."""
    trainable: bool | None
    kind: str
    """"float", "integer" (integer or bool dtype: a counter, a step) or "unknown"."""
    read_in_call: bool
    updated: bool
    """`self.<name>.assign*(...)` somewhere in the class: bookkeeping the layer maintains."""
    reached: bool = True
    """The module trains or saves an instance, or reads its variables (itself, or a class that
    holds it as a sublayer or derives from it): the misbehaviour shows."""


def _reached(name: str, facts: BlockFacts, seen: set[str]) -> bool:
    if facts.evidence.of(name, WEIGHT_KINDS):
        return True
    seen.add(name)
    for other, model in facts.local_classes.items():
        if other in seen:
            continue
        holds = any(d.spec.class_name == name for definitions in model.attributes.values()
                    for d in definitions)
        if (holds or name in model.base_names) and _reached(other, facts, seen):
            return True
    return False


def _variable_creations(
    method: ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts
) -> Iterator[tuple[ast.Call, str | None]]:
    calls = _variable_calls(method, facts)
    if not calls:
        return
    receiver = method.args.args[0].arg if method.args.args else "self"
    owners: dict[int, str] = {}
    for statement in walk(method):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            attribute = next((name for target in targets
                              if (name := _assigned_attribute(target, receiver))), None)
            if attribute is not None:
                for node in walk(statement.value):
                    owners.setdefault(id(node), attribute)
    for node in calls:
        yield node, owners.get(id(node))


def _variable_calls(method: ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts) -> list[ast.Call]:
    """The `tf.Variable(...)` calls of a method, in walk order."""
    return [node for node in nodes_of_type(method, ast.Call)
            if qualified_name(node.func, facts.imports) in VARIABLE_NAMES]


def _assigned_attribute(target: ast.expr, receiver: str) -> str | None:
    """`w` for `self.w = ...` and `self.w[0] = ...`."""
    while isinstance(target, ast.Subscript):
        target = target.value
    return self_attribute(target, receiver)


def _attributes_read(model: ClassModel, methods: list[str]) -> set[str]:
    return {
        node.attr for name in methods for node in walk(model.methods[name])
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and is_self(node.value)
    }


def _attributes_updated(model: ClassModel) -> set[str]:
    updated = set()
    for node in walk(model.node):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("assign", "assign_add", "assign_sub", "scatter_update",
                                       "scatter_add", "scatter_nd_update")):
            owner = node.func.value
            while isinstance(owner, ast.Subscript):
                owner = owner.value
            if isinstance(owner, ast.Attribute):
                updated.add(owner.attr)
    return updated


def _trainable(call: ast.Call) -> bool | None:
    """The literal `trainable=` of the call (default True), None when it is an expression."""
    keyword = next((kw.value for kw in call.keywords if kw.arg == "trainable"), None)
    if keyword is None:
        return True
    if isinstance(keyword, ast.Constant) and isinstance(keyword.value, bool):
        return keyword.value
    return None


def _number_kind(call: ast.Call, facts: BlockFacts) -> str:
    """Whether the variable holds integers (a counter), floats, or that is not known."""
    dtype = next((kw.value for kw in call.keywords if kw.arg == "dtype"), None)
    initial = call.args[0] if call.args else next(
        (kw.value for kw in call.keywords if kw.arg == "initial_value"), None)
    if dtype is None and isinstance(initial, ast.Call):
        dtype = next((kw.value for kw in initial.keywords if kw.arg == "dtype"), None)
    if dtype is not None:
        text = ast.unparse(dtype).rsplit(".", 1)[-1].strip("'\"")
        if text in _INTEGER_DTYPES:
            return "integer"
        return "float" if "float" in text else "unknown"
    if isinstance(initial, ast.Constant):
        if isinstance(initial.value, (bool, int)):
            return "integer"
        if isinstance(initial.value, float):
            return "float"
    if isinstance(initial, ast.Call):  # tf.zeros(shape), tf.random.normal(...): float by default
        name = (qualified_name(initial.func, facts.imports) or "").rsplit(".", 1)[-1]
        if name in ("zeros", "ones", "fill", "normal", "uniform", "truncated_normal",
                    "glorot_uniform", "zeros_like", "ones_like"):
            return "float"
    return "unknown"


def _keras3_severity(variable: Variable) -> Severity:
    """Keras 3: error only where training and saving lose something that call() uses."""
    if variable.trainable is False or variable.kind == "integer" or variable.updated:
        return Severity.INFORMATION
    if not variable.reached:  # nothing here trains, saves or inspects the layer: say less
        return Severity.INFORMATION
    if variable.trainable is True and variable.kind != "unknown" and variable.read_in_call:
        return Severity.ERROR
    return Severity.WARNING


def _finding(
    facts: BlockFacts, model: ClassModel, method: ast.FunctionDef | ast.AsyncFunctionDef, variable: Variable,
    flavour: str
) -> Finding | None:
    where = f"{model.name}.{method.name}()"
    prefix = ""
    if flavour == "legacy":  # reached only when the module uses a mixed dtype policy
        if variable.kind == "integer":
            return None
        crashes = variable.kind == "float" and variable.read_in_call
        severity = Severity.ERROR if crashes else Severity.INFORMATION
        consequence = (
            "tf-keras (and Keras 2) tracks, trains and saves it, but it bypasses the layer's "
            "dtype policy, and this module uses mixed precision: the layer computes in float16 "
            "while the variable stays float32, so "
            + ("call() fails (\"Input 'y' of 'Mul' Op has type float32 that does not match "
               "type float16\", or InvalidArgumentError when eager)." if crashes
               else "any float16 computation with it fails.")
        )
    else:
        severity = _keras3_severity(variable)
        consequence = _keras3_consequence(variable)
        if flavour == "unknown":
            severity, prefix = Severity.INFORMATION, ON_KERAS_3
    message = (
        f"{prefix}{where} creates a tf.Variable instead of calling `self.add_weight(...)`. "
        f"{consequence} Create it with `self.add_weight(shape=..., initializer=...)`."
    )
    return Finding(CODE, NAME, severity, facts.span(variable.call), message,
                   fixes=_fixes(facts, method, variable.call, facts.frameworks[model.name]))


def _keras3_consequence(variable: Variable) -> str:
    untracked = ("Keras 3 does not track a tf.Variable: it is missing from `model.weights` and "
                 "`trainable_variables`")
    if variable.trainable is False or variable.kind == "integer" or variable.updated:
        what = ("a counter" if variable.kind == "integer"
                else "state the layer updates itself" if variable.updated else "a constant")
        return (f"{untracked}, and `save()`/`save_weights()` do not store it: for {what} that "
                "is harmless unless its value must survive a reload (a reloaded model starts "
                "from the initial value).")
    used = ("" if variable.read_in_call else
            " (call() does not read it directly, so check where it is used)")
    if variable.read_in_call and not variable.reached:
        used = (" (nothing in this module trains or saves this layer, or reads its variables: "
                "it matters where it does)")
    return (f"{untracked}, `model.fit()` never updates it{used}, and `save()`/`save_weights()` "
            "do not store it, so a reloaded model starts from its initial value. It also "
            "ignores the dtype policy (under mixed_float16 the call fails with "
            "InvalidArgumentError) and works only on the TensorFlow backend.")


def _fixes(
    facts: BlockFacts, method: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, framework: str
) -> tuple[VariableToAddWeight, ...]:
    if not method.args.args or _before_super_init(method, call):
        return ()
    receiver = method.args.args[0].arg
    if add_weight_call(call, facts.text, receiver, facts.imports, framework) is None:
        return ()
    span = facts.span(call)
    return (VariableToAddWeight(call_sites=((span.line, span.column),), framework=framework),)


def _before_super_init(method: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> bool:
    """add_weight needs the Layer set up: in `__init__`, not before `super().__init__()`."""
    if method.name != "__init__":
        return False
    for statement in method.body:
        value = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and value.func.attr == "__init__"):
            return call.lineno < statement.lineno
    return True


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A Keras layer creates a tf.Variable instead of calling self.add_weight().",
    fix_title="Replace tf.Variable(...) with self.add_weight(shape=..., initializer=...).",
    fix_safety="unsafe",
    keras_version_aware=True,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras
import tensorflow as tf


class Scale(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(tf.ones((4,)))  # LL202: Keras 3 never trains or saves it

    def call(self, x):
        return x * self.scale


model = keras.Sequential([Scale()])
model.compile("adam", "mse")
model.fit(tf.ones((8, 4)), tf.ones((8, 4)))
""",
        fix=(
            "`Replace tf.Variable with self.add_weight` when the initial value is `tf.zeros/ones/fill/ "
            "random.*(shape)` or a number (see `layerlint.fixes.variable_to_add_weight`)."
        ),
        fix_safety=(
            "The weight becomes tracked by Keras: it appears in layer.weights and in checkpoints under "
            "a new path, and random initial values are drawn by Keras' initializer."
        ),
        when_to_ignore=(
            "When the variable is meant to stay outside Keras' tracking (a constant, or a counter the "
            "layer updates with `assign()` whose value after a reload does not matter), or the project "
            "runs only on tf-keras / Keras 2: set `keras-version` so the rule knows the target instead "
            "of silencing it."
        ),
    ),
)
