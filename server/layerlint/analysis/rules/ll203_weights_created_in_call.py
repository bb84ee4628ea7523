"""LL203 weights-created-in-call: weights, or layers that own weights, created in `call()`.

`self.add_weight`, `tf.Variable`, or a layer that owns variables, created in `call()` (or a
helper it calls) instead of `__init__`/`build()`.

What goes wrong, measured with TensorFlow 2.21 (`model.compile(); model.fit()` on a few samples,
subclassed and functional models alike):
- Keras 3.15.1, `self.add_weight(...)` or `self.<name> = Layer(...)` in `call()`: the layer is
  already built when `call()` runs, so the first call raises, even eagerly: `ValueError: You
  cannot add new elements of state (variables or sub-layers) to a layer that is already built.
  All state must be created in the __init__() method or in the build() method.` A guard such as
  `if self.w is None:` does not help.
- Keras 3.15.1, `tf.Variable(...)` or a layer with variables built and called inline
  (`Dense(4)(x)`, also `Dropout`, whose seed generator is a variable): eager calls silently make
  fresh, untrained variables every time; `model.fit()` raises `ValueError: tf.function only
  supports singleton tf.Variables created on the first call.` Stateless layers (`ReLU()(x)`,
  `Add()`) run fine and are not reported.
- tf-keras 2.21: every unguarded creation raises the same `tf.function only supports singleton
  tf.Variables created on the first call` under `model.fit()`; creation guarded to the first
  call (`if self.w is None: self.w = self.add_weight(...)`) works there and is not reported.
  tf-keras' Dropout owns no seed variable: built inline it trains fine (measured
  `keras_ll203_silent_legacy_dropout_in_call.py`), so random layers are Keras 3 only, and the
  message says so.
- A `tf.Variable` created under a guard (`if self.v is None: self.v = tf.Variable(...)`) is made
  once and works under both (Keras 3 does not track it, so no "already built" error; measured
  `keras_ll203_silent_guarded_variable.py`): not reported.
What depends on the version follows the module's Keras target (`layerlint.analysis.
keras_target`): a Keras-3-only case is not reported for a Keras 2 target, and is information
("On Keras 3: ...") when the target is unknown. One class, one finding: the state a class
creates in call() has one cause and one fix, so further creations are related locations.
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
    target_flavour,
)
from layerlint.analysis.model_index import ClassModel, LayerSpec, construction_spec
from layerlint.analysis.node_index import nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.walk import subtree, walk
from layerlint.findings import Finding, Related, Severity
from layerlint.syntax.add_weight import VARIABLE_NAMES
from layerlint.syntax.self_attributes import self_attribute

CODE = "LL203"
NAME = "weights-created-in-call"
SEVERITY = Severity.ERROR

@dataclass(frozen=True)
class Creation:
    node: ast.Call
    method: str
    kind: str
    """"add_weight", "variable" or "layer"."""
    label: str
    assigned_to_self: bool
    guarded: bool
    """Inside an `if` that tests the layer's own state (`if self.w is None:`)."""
    state: str = "weights"
    """For layers: "weights" (owns variables everywhere), "seed" (only Keras 3's seed-generator
    variable: Dropout and other random layers) or "none" (stateless)."""


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        flavour = target_flavour(facts, model.name)
        if flavour is None or "call" not in model.methods:
            continue
        judged = [
            (severity, creation, text)
            for creation in creations(model, "call", facts, flavour, guarded=False, visited=set())
            for severity, text in [judge(model, creation, flavour)] if severity is not None
        ]
        # The primary creation: the most severe, then one that fails on every Keras.
        judged.sort(key=lambda item: (-item[0].rank, _keras3_only(item[1])))
        if judged:
            yield _class_finding(facts, judged)


def _class_finding(facts: BlockFacts, judged: list[tuple[Severity, Creation, str]]) -> Finding:
    """One finding per class: the state it creates in call() has one root cause and one fix,
    and the first creation already stops the layer. It sits on the most severe creation; the
    others are related locations."""
    severity, primary, text = judged[0]
    others = [creation for _, creation, _ in judged if creation is not primary]
    if others:
        text += (f" The same class creates state in call() at {len(others)} more "
                 f"place{'s' if len(others) > 1 else ''} (related locations).")
    related = tuple(
        Related(facts.span(creation.node), f"also created on every call: `{creation.label}`")
        for creation in others
    )
    return Finding(CODE, NAME, severity, facts.span(primary.node), text, related=related)


def judge(model: ClassModel, creation: Creation, flavour: str) -> tuple[Severity | None, str]:
    """The severity (None: silent) and message of one creation, for the targeted Keras."""
    refused = _refused_by_keras_3(creation)
    keras3_only = _keras3_only(creation)
    if creation.guarded and not refused:
        return None, ""  # a tf.Variable or inline layer made once, on the first call: runs
    if keras3_only and flavour == "legacy":
        return None, ""
    text = message(model, creation, "keras3" if keras3_only else flavour)
    if keras3_only and flavour == "unknown":
        return Severity.INFORMATION, ON_KERAS_3 + text
    return Severity.ERROR, text


def _refused_by_keras_3(creation: Creation) -> bool:
    """Keras 3 refuses new state on a built layer: add_weight, or a layer assigned to self."""
    return creation.kind == "add_weight" or (creation.kind == "layer" and creation.assigned_to_self)


def _keras3_only(creation: Creation) -> bool:
    """Misbehaves on Keras 3 only: a seeded or stateless layer, or a guarded creation that
    Keras 3 refuses."""
    return (creation.kind == "layer" and creation.state != "weights") or (
        creation.guarded and _refused_by_keras_3(creation))


def creations(
    model: ClassModel, method_name: str, facts: BlockFacts, flavour: str, guarded: bool,
    visited: set[str],
) -> Iterator[Creation]:
    """Creations in `method_name` and the helpers it calls through `self`; a helper called
    under a guard (`if not self._built: self._build_parts(x)`) is guarded as a whole."""
    visited.add(method_name)
    method = model.methods[method_name]
    receiver = method.args.args[0].arg if method.args.args else "self"
    found: list[ast.Call] = []
    for node, is_guarded, assigned in _calls(method.body, receiver, guarded):
        helper = _helper_name(node, receiver, model)
        if helper is not None:
            if helper not in visited:
                yield from creations(model, helper, facts, flavour, is_guarded, visited)
            continue
        if any(_inside(node, outer) for outer in found):  # Sequential([Dense(4)]) is one
            continue
        creation = _creation(node, method_name, receiver, is_guarded, assigned, facts, flavour)
        if creation is not None:
            found.append(node)
            yield creation


def _helper_name(node: ast.Call, receiver: str, model: ClassModel) -> str | None:
    name = self_attribute(node.func, receiver)
    if name in model.methods and name not in CONSTRUCTION_ROOTS + FORWARD_ROOTS:
        return name
    return None


def _inside(node: ast.expr | ast.stmt, outer: ast.expr | ast.stmt) -> bool:
    start = (outer.lineno, outer.col_offset)
    end = (outer.end_lineno or outer.lineno, outer.end_col_offset or outer.col_offset)
    return node is not outer and start <= (node.lineno, node.col_offset) and (
        (node.end_lineno or node.lineno, node.end_col_offset or node.col_offset) <= end)


def _calls(
    statements: list[ast.stmt], receiver: str, guarded: bool
) -> Iterator[tuple[ast.Call, bool, bool]]:
    """Every outermost call of the statements, with whether an `if` on the layer's own state
    guards it and whether it is assigned to a `self.<name>`."""
    for statement in statements:
        if isinstance(statement, ast.If):
            inner_guard = guarded or _tests_own_state(statement.test, receiver)
            yield from _expression_calls(statement.test, guarded, False)
            yield from _calls(statement.body, receiver, inner_guard)
            yield from _calls(statement.orelse, receiver, inner_guard)
            continue
        assigned = isinstance(statement, (ast.Assign, ast.AnnAssign)) and any(
            isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id == receiver
            for target in (statement.targets if isinstance(statement, ast.Assign)
                           else [statement.target])
        )
        for child in _non_statement_children(statement):
            yield from _expression_calls(child, guarded, assigned)
        for field in ("body", "orelse", "finalbody"):
            yield from _calls(getattr(statement, field, []) or [], receiver, guarded)
        for handler in getattr(statement, "handlers", []) or []:
            yield from _calls(handler.body, receiver, guarded)


def _non_statement_children(statement: ast.stmt) -> list[ast.AST]:
    """`ast.iter_child_nodes(statement)`, in its order, less the statements."""
    children: list[ast.AST] = []
    for name in statement._fields:
        value = getattr(statement, name, None)
        if isinstance(value, list):
            children.extend(item for item in value
                            if isinstance(item, ast.AST) and not isinstance(item, ast.stmt))
        elif isinstance(value, ast.AST) and not isinstance(value, ast.stmt):
            children.append(value)
    return children


_CALL_FREE = (ast.Name, ast.Constant, ast.operator)
"""Nodes that never contain a call (nor does `name.attr`): targets, operators, literals."""


def _expression_calls(node: ast.AST, guarded: bool, assigned: bool) -> Iterator[tuple[ast.Call, bool, bool]]:
    if isinstance(node, _CALL_FREE) or (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return
    for call in _calls_under(node):
        yield call, guarded, assigned


def _calls_under(node: ast.AST) -> list[ast.Call]:
    """`[n for n in ast.walk(node) if isinstance(n, ast.Call)]`, breadth first like `walk`, but
    without keeping the walk (a statement's expressions are asked once): sliced from the class's
    walk (`subtree`)."""
    return [found for found in subtree(node) if isinstance(found, ast.Call)]


def _tests_own_state(test: ast.expr, receiver: str) -> bool:
    for node in walk(test):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == receiver:
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
            "hasattr", "getattr"
        ):
            return True
    return False


def _creation(
    node: ast.Call, method: str, receiver: str, guarded: bool, assigned: bool, facts: BlockFacts,
    flavour: str,
) -> Creation | None:
    func = node.func
    if (isinstance(func, ast.Attribute) and func.attr == "add_weight"
            and isinstance(func.value, ast.Name) and func.value.id == receiver):
        return Creation(node, method, "add_weight", f"{receiver}.add_weight(...)", assigned, guarded)
    qualified = qualified_name(func, facts.imports)
    if qualified in VARIABLE_NAMES:
        return Creation(node, method, "variable", "tf.Variable(...)", assigned, guarded)
    spec = construction_spec(node, facts.imports, facts.local_classes, facts.keras_version)
    if spec is None or spec.kind == "list":
        return None
    state = _layer_state(spec, facts, set())
    # Keras 3 refuses any new sub-layer on a built layer, stateless or not.
    if state == "none" and not (assigned and flavour in ("keras3", "unknown")):
        return None
    return Creation(node, method, "layer", f"{ast.unparse(func)}(...)", assigned, guarded, state)


def _layer_state(spec: LayerSpec, facts: BlockFacts, seen: set[str]) -> str:
    """"weights", "seed" or "none" (see `Creation.state`)."""
    if spec.kind == "builtin":
        info = spec.info
        if info is None:
            return "none"
        if info.stateless is False:
            return "weights"
        # Keras 3 random layers own a seed-generator variable (catalog `rng_state`): measured,
        # `Dropout(0.5)(x)` in call() fails under fit like a Dense does; tf-keras' do not.
        return "seed" if info.rng_state else "none"
    if spec.kind == "container":
        states = {_layer_state(element, facts, seen) for element in spec.elements}
        return next((state for state in ("weights", "seed") if state in states), "none")
    model = facts.local_classes.get(spec.class_name)
    if spec.kind != "custom" or model is None or spec.class_name not in facts.frameworks:
        return "none"
    if spec.class_name in seen:
        return "none"
    seen.add(spec.class_name)
    for node in nodes_of_type(model.node, ast.Call):
        if (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "add_weight")
            or qualified_name(node.func, facts.imports) in VARIABLE_NAMES
        ):
            return "weights"
    owned = [d.spec for definitions in model.attributes.values() for d in definitions]
    owned += [LayerSpec("custom", base) for base in model.base_names if base in facts.local_classes]
    states = {_layer_state(element, facts, seen) for element in owned}
    return next((state for state in ("weights", "seed") if state in states), "none")


def message(model: ClassModel, creation: Creation, flavour: str) -> str:
    where = f"{model.name}.{creation.method}()"
    subject = {
        "add_weight": f"creates a weight with `{creation.label}`",
        "variable": f"creates a tf.Variable with `{creation.label}`",
        "layer": f"constructs a layer, `{creation.label}`,",
    }[creation.kind]
    singleton = (
        "`model.fit()` (or any tf.function) raises \"ValueError: tf.function only supports "
        "singleton tf.Variables created on the first call\""
    )
    already_built = (
        "Keras 3 builds the layer before call() runs, so the first call raises \"ValueError: "
        "You cannot add new elements of state (variables or sub-layers) to a layer that is "
        "already built\"" + (" (the `if` guard does not help)" if creation.guarded else "")
    )
    refused = _refused_by_keras_3(creation)
    if flavour == "keras3" and refused:
        effect = already_built
    elif flavour == "keras3" and creation.state == "seed":
        effect = (f"Keras 3's random layers own a seed-generator variable (tf-keras' do not), "
                  f"so eager calls make a fresh one each time, and {singleton}")
    elif flavour == "keras3":
        effect = f"eager calls silently create fresh, untrained variables each time, and {singleton}"
    elif flavour == "unknown" and refused:
        effect = (f"under Keras 2 {singleton}; Keras 3 raises already on the first call (\"You "
                  "cannot add new elements of state ... to a layer that is already built\")")
    else:
        effect = f"eager calls create new weights each time, and {singleton}"
    return (
        f"{where} {subject} on every call: {effect}. Create it once in `__init__()` or "
        "`build()` and use it in `call()`."
    )


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="Weights or layers with weights are created in call() instead of __init__/build().",
    fix_title="",
    fix_safety=None,
    keras_version_aware=True,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Gate(keras.layers.Layer):
    def call(self, x):
        self.w = self.add_weight(shape=(x.shape[-1],))  # LL203: ValueError on the first call
        return x * self.w
""",
        fix=(
            "No quick-fix: where the weight belongs (`__init__`, or `build(input_shape)` when its shape"
            " comes from the input) is the author's call. Create weights and layers there and only use "
            "them in `call()`."
        ),
        when_to_ignore=(
            "Not for an error: the first call or `model.fit()` fails. An information finding ('On Keras"
            " 3: ...') only applies if the code runs on Keras 3; when it never does, set `keras-version"
            " = '2'` rather than silencing it."
        ),
    ),
)
