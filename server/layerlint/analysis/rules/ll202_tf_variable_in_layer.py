"""LL202 tf-variable-in-layer: a `tf.Variable` created in a Keras layer instead of `self.add_weight`.

What goes wrong, measured with TensorFlow 2.21 on the TensorFlow backend:
- Keras 3 (3.15.1; also `tf.keras`, which is Keras 3 here) does not track a `tf.Variable` held by
  a layer at all: it is missing from `layer.weights` and `model.trainable_variables`,
  `model.fit()` warns "The model does not have any trainable weights" (when it is the only one)
  and never changes it, and `save()`/`save_weights()` do not store it, so a reloaded model has
  its initial value. It also ignores the layer's dtype policy: under `mixed_float16` the call
  fails with `InvalidArgumentError` (float16 input times a float32 variable), and it ties the
  layer to the TensorFlow backend. Error for a trainable variable, warning for
  `trainable=False` state (still never saved).
- tf-keras 2.21 tracks it (tf.Module attribute tracking): it is trained and saved. It still
  skips the dtype policy (the same `InvalidArgumentError` under `mixed_float16`) and the
  regularizer/constraint arguments of `add_weight`: information.
A `tf.Variable` created in `call()` is LL203's case (a crash), not this rule's.

Fix: `Replace tf.Variable with self.add_weight` when the initial value is `tf.zeros/ones/fill/
random.*(shape)` or a number (see `layerlint.fixes.variable_to_add_weight`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.rules.ll203_weights_created_in_call import (
    CONSTRUCTION_ROOTS,
    FORWARD_ROOTS,
    keras_flavour,
    methods_reached,
)
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, FixProposal, Severity
from layerlint.fixes import variable_to_add_weight

CODE = "LL202"
NAME = "tf-variable-in-layer"
SEVERITY = Severity.ERROR
SUMMARY = "A Keras layer creates a tf.Variable instead of calling self.add_weight()."
FIX = "Replace tf.Variable(...) with self.add_weight(shape=..., initializer=...)."


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        flavour = keras_flavour(facts, model.name)
        if flavour is None:
            continue
        forward = set(methods_reached(model, FORWARD_ROOTS))
        for name in methods_reached(model, CONSTRUCTION_ROOTS):
            if name in forward:
                continue
            method = model.methods[name]
            for node in walk(method):
                if (isinstance(node, ast.Call)
                        and qualified_name(node.func, facts.imports)
                        in variable_to_add_weight.VARIABLE_NAMES):
                    yield _finding(facts, model, method, node, flavour)


def _trainable(call: ast.Call) -> bool | None:
    """The literal `trainable=` of the call (default True), None when it is an expression."""
    keyword = next((kw.value for kw in call.keywords if kw.arg == "trainable"), None)
    if keyword is None:
        return True
    if isinstance(keyword, ast.Constant) and isinstance(keyword.value, bool):
        return keyword.value
    return None


def _finding(
    facts: BlockFacts, model: ClassModel, method: ast.FunctionDef, call: ast.Call, flavour: str
) -> Finding:
    trainable = _trainable(call)
    where = f"{model.name}.{method.name}()"
    if flavour == "keras3":
        severity = Severity.WARNING if trainable is False else Severity.ERROR
        consequence = (
            "Keras 3 does not track a tf.Variable: it is missing from `model.weights` and "
            "`trainable_variables`, "
            + ("" if trainable is False else "`model.fit()` never updates it, ")
            + "and `save()`/`save_weights()` do not store it, so a reloaded model starts from "
            "its initial value. It also ignores the dtype policy (under mixed_float16 the call "
            "fails with InvalidArgumentError) and works only on the TensorFlow backend."
        )
    else:
        severity = Severity.INFORMATION
        consequence = (
            "tf-keras (and Keras 2) tracks it, but it bypasses the layer's dtype policy (under mixed_float16 "
            "the call fails with InvalidArgumentError) and the regularizer and constraint "
            "options of add_weight."
        )
    message = (
        f"{where} creates a tf.Variable instead of calling `self.add_weight(...)`. "
        f"{consequence} Create it with `self.add_weight(shape=..., initializer=...)`."
    )
    return Finding(CODE, NAME, severity, facts.span(call), message,
                   fixes=_fixes(facts, method, call, facts.frameworks[model.name]))


def _fixes(
    facts: BlockFacts, method: ast.FunctionDef, call: ast.Call, framework: str
) -> tuple[FixProposal, ...]:
    if not method.args.args or _before_super_init(method, call):
        return ()
    receiver = method.args.args[0].arg
    if variable_to_add_weight.add_weight_call(call, facts.text, receiver, facts.imports,
                                              framework) is None:
        return ()
    span = facts.span(call)
    data = {"call_sites": [[span.line, span.column]], "framework": framework}
    return (FixProposal(variable_to_add_weight.TITLE, variable_to_add_weight.KIND, data),)


def _before_super_init(method: ast.FunctionDef, call: ast.Call) -> bool:
    """add_weight needs the Layer set up: in `__init__`, not before `super().__init__()`."""
    if method.name != "__init__":
        return False
    for statement in method.body:
        value = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and value.func.attr == "__init__"):
            return call.lineno < statement.lineno
    return True
