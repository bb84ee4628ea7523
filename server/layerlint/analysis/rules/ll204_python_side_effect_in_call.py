"""LL204 python-side-effect-in-call: `print`, or Python `if`/`while` on a tensor, in `call()`.

Python `print(...)`, or a Python `if`/`while` on a tensor's value, inside a Keras layer's
`call()`.

What goes wrong: `model.fit()` (and `predict`, `evaluate`, any `tf.function`) runs `call()` once
to trace it into a graph, then runs the graph on every step. Measured with TensorFlow 2.21:
- `print(...)` runs at trace time only: 3 lines for 8 training steps (subclassed model) or 2
  (functional), Keras 3.15.1 and tf-keras 2.21 alike, and it shows symbolic tensors
  (`Tensor("...", shape=(None, 3))`), never values. `tf.print` runs on every step. Warning when
  a tensor's value is printed; information when only static facts, a type or a shape are
  (`x.shape`, `type(x)`, `tf.shape(x)`: once per trace is often what the author wants), also
  when they sit beside the tensor (`print(inputs, type(inputs))` inspects structure).
- `if ops.sum(x) > 0:` (or `while`, or `a if cond else b`) on a value computed from the call's
  tensor arguments: eager calls work, but Keras 3 traces `call()` without AutoGraph, so
  `model.fit()` raises `OperatorNotAllowedInGraphError: Using a symbolic tf.Tensor as a Python
  bool is not allowed` (functional models already while being built). Error. tf-keras converts
  `call()` with AutoGraph: measured, the same code trains without error there, so tf-keras
  layers, and `tf.keras` layers of a project that targets Keras 2, are not reported; when the
  target is unknown the condition is information, its message starting "On Keras 3: ".
Not reported, because measured fine under `fit`: conditions on static shape facts
(`x.shape[-1] > 1`, `x.ndim`, `x.dtype`), identity tests (`mask is not None`), and flags that
are not tensors (`if training:`, `if self.use_bias:`). What counts as a tensor value: the
call's first argument (the inputs) and whatever is computed from it, except through `.shape`,
`.dtype`, `.ndim`, `len()`, `keras.ops.shape()`, the backend's `K.int_shape()`, `K.dtype()`,
`K.ndim()` (also as `tf.keras.backend.*`), `tf.shape(x).shape`, and other static views (measured
`keras_ll204_static_values_and_shape_prints.py`), or unpacked from a
helper function's result (helpers often return Python numbers beside tensors: keras-hub's
`x, (h, w) = window_partition(x)`). Further call arguments are not assumed to be tensors
(keras-hub: `call(self, t, dim)` with `if dim % 2 != 0:`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.imports import ImportTable, qualified_name
from layerlint.analysis.keras_class import (
    FORWARD_ROOTS,
    ON_KERAS_3,
    methods_reached,
    target_flavour,
)
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import has_type, nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Severity
from layerlint.fix_requests import PrintToTfPrint
from layerlint.syntax.import_names import tensorflow_name
from layerlint.syntax.print_calls import fixable

CODE = "LL204"
NAME = "python-side-effect-in-call"
SEVERITY = Severity.WARNING

_STATIC_ATTRIBUTES = {"shape", "dtype", "ndim", "name", "device", "sparse", "ragged"}
_STATIC_METHODS = {"get_shape", "keys"}  # a dict of tensors still has Python keys
_PYTHON_BUILTINS = {
    "len", "isinstance", "issubclass", "hasattr", "getattr", "type", "callable", "id", "repr",
    "str", "range", "print",
}
# Framework functions that answer with Python values (static facts, predicates), by root
# module and last name: `keras.ops.ndim` and keras' own `keras.src.ops.ndim` alike.
_STATIC_FUNCTIONS = {
    "keras": {"shape", "ndim", "is_tensor", "is_keras_tensor", "is_nested", "standardize_dtype",
              "is_float_dtype", "is_int_dtype", "in_stateless_scope", "in_symbolic_scope",
              "backend", "image_data_format", "executing_eagerly"},
    "tensorflow": {"executing_eagerly", "is_tensor", "is_nested", "inside_function",
                   "is_symbolic_tensor"},
}
_STATIC_FUNCTIONS["tf_keras"] = _STATIC_FUNCTIONS["keras"]
# Keras backend functions (`K.int_shape`, `tf.keras.backend.dtype`) that answer with Python
# values: a shape tuple, a dtype string, a rank.
_BACKEND_STATIC = {"int_shape", "dtype", "ndim", "floatx", "epsilon", "image_data_format",
                   "is_keras_tensor", "is_sparse", "is_tensor", "learning_phase", "backend",
                   "standardize_dtype"}
# Functions whose result is a shape: a tensor in a graph, but printing one shows a shape only.
_SHAPE_FUNCTIONS = {"shape", "shape_n", "rank", "size"}
_IDENTITY = (ast.Is, ast.IsNot, ast.In, ast.NotIn)
_FRAMEWORK_ROOTS = {"keras", "tensorflow", "tf_keras", "jax"}


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        flavour = target_flavour(facts, model.name)
        if flavour is None:
            continue
        for name in methods_reached(model, FORWARD_ROOTS):
            method = model.methods[name]
            prints = _print_calls(method) if "print" not in facts.imports else []
            conditions = (_conditions(method) if name == "call" and flavour in ("keras3", "unknown")
                          and not _autograph_decorated(method, facts) else [])
            if not prints and not conditions:
                continue  # the tensor names are asked only where something may report
            tensors = tensor_names(method, facts.imports)
            yield from _print_findings(facts, model, method, tensors, prints)
            yield from _condition_findings(facts, model, method, tensors, flavour, conditions)


def _print_calls(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
    """`print(...)` calls of the method, in walk order."""
    return [node for node in nodes_of_type(method, ast.Call)
            if isinstance(node.func, ast.Name) and node.func.id == "print"]


_CONDITIONS = (ast.If, ast.While, ast.IfExp)


def _conditions(method: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.If | ast.While | ast.IfExp]:
    """`if`, `while` and conditional expressions of the method, in walk order."""
    if not any(has_type(method, kind) for kind in _CONDITIONS):
        return []
    return [node for node in walk(method) if isinstance(node, _CONDITIONS)]


# -- what is a tensor -----------------------------------------------------------------------
def tensor_names(method: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportTable) -> set[str]:
    """Names holding tensor values in `method`: its input (the first argument after the
    receiver) and names assigned from it, flow-insensitive."""
    # Only the first argument is surely a tensor: Keras passes further arguments through
    # untouched, and in keras-hub they are as often Python numbers (`call(self, t, dim)`).
    positional = [*method.args.posonlyargs, *method.args.args][1:2]
    names = {arg.arg for arg in positional if arg.arg not in ("training", "mask")}
    bindings = list(_bindings(method))
    changed = True
    while changed:
        changed = False
        for target, value in bindings:
            if type(target) is ast.Name and target.id in names:
                continue  # a tensor already: asking its value again adds nothing
            for name in _bound_tensors(target, value, names, imports):
                if name not in names:
                    names.add(name)
                    changed = True
    return names


_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.AugAssign, ast.For,
                            ast.AsyncFor})


def _bindings(method: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    for node in walk(method):
        if type(node) not in _BINDING_TYPES:
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield target, node.value
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            yield node.target, node.value
        elif isinstance(node, ast.AugAssign):
            yield node.target, ast.BinOp(node.target, node.op, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            yield node.target, node.iter


def _bound_tensors(
    target: ast.expr, value: ast.expr, names: set[str], imports: ImportTable
) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id] if is_tensor_value(value, names, imports) else []
    if isinstance(target, (ast.Tuple, ast.List)):
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
            return [name for t, v in zip(target.elts, value.elts)
                    for name in _bound_tensors(t, v, names, imports)]
        # `x, (h, w) = window_partition(x)`: a helper may return Python numbers beside its
        # tensors, so only unpacking a tensor or a framework op's result binds tensors.
        unpacks_tensors = is_tensor_value(value, names, imports) and (
            not isinstance(value, ast.Call) or _framework_function(value.func, imports))
        if unpacks_tensors:
            return [n.id for n in walk(target) if isinstance(n, ast.Name)]
    return []


def _static_function(func: ast.expr, imports: ImportTable) -> bool:
    qualified = qualified_name(func, imports) or ""
    root, last = qualified.split(".")[0], qualified.rsplit(".", 1)[-1]
    if ".backend." in qualified and last in _BACKEND_STATIC and root in _FRAMEWORK_ROOTS:
        return True
    return last in _STATIC_FUNCTIONS.get(root, ())


def _shows_shape_only(node: ast.expr, imports: ImportTable) -> bool:
    """`tf.shape(x)`, `tf.rank(x)`: printing them shows a shape, not the data."""
    if isinstance(node, ast.Subscript):
        return _shows_shape_only(node.value, imports)
    if not isinstance(node, ast.Call):
        return False
    qualified = qualified_name(node.func, imports) or ""
    return (qualified.split(".")[0] in _FRAMEWORK_ROOTS
            and qualified.rsplit(".", 1)[-1] in _SHAPE_FUNCTIONS)


def _framework_function(func: ast.expr, imports: ImportTable) -> bool:
    qualified = qualified_name(func, imports) or ""
    return qualified.split(".")[0] in _FRAMEWORK_ROOTS and qualified != ast.unparse(func)


def is_tensor_value(node: ast.expr, names: set[str], imports: ImportTable) -> bool:
    """Whether `node` evaluates to a tensor computed from the tensors in `names`."""
    def tensor(child: ast.expr) -> bool:
        return is_tensor_value(child, names, imports)

    match node:
        case ast.Name(id=name):
            return name in names
        case ast.Attribute(attr=attr, value=value):
            return attr not in _STATIC_ATTRIBUTES and tensor(value)
        case ast.Subscript(value=value):
            return tensor(value)
        case ast.Call(func=func, args=args, keywords=keywords):
            if isinstance(func, ast.Name) and func.id in _PYTHON_BUILTINS:
                return False
            if _static_function(func, imports):
                return False
            if isinstance(func, ast.Attribute) and tensor(func.value):
                return func.attr not in _STATIC_METHODS
            return any(tensor(arg) for arg in args) or any(tensor(kw.value) for kw in keywords)
        case ast.BinOp(left=left, right=right):
            return tensor(left) or tensor(right)
        case ast.UnaryOp(operand=operand):
            return tensor(operand)
        case ast.BoolOp(values=values):
            return any(tensor(value) for value in values)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            if all(isinstance(op, _IDENTITY) for op in ops):
                return False
            return tensor(left) or any(tensor(c) for c in comparators)
        case ast.IfExp(body=body, orelse=orelse):
            return tensor(body) or tensor(orelse)
        case ast.Starred(value=value):
            return tensor(value)
    return False


# -- print ----------------------------------------------------------------------------------
def _print_findings(
    facts: BlockFacts, model: ClassModel, method: ast.FunctionDef | ast.AsyncFunctionDef, tensors: set[str],
    prints: list[ast.Call],
) -> Iterator[Finding]:
    for node in prints:
        def shows_value(value: ast.expr) -> bool:
            return (is_tensor_value(value, tensors, facts.imports)
                    and not _shows_shape_only(value, facts.imports))

        # `print(x, type(x))`, `print(x.shape, x)`: inspecting structure at trace time, which
        # is what such a print shows and what its author looks for.
        inspects = any(_shows_type_or_shape(argument, facts.imports) for argument in node.args)
        shows_values = not inspects and any(
            shows_value(argument)
            or any(shows_value(part.value) for part in walk(argument)
                   if isinstance(part, ast.FormattedValue))
            for argument in node.args
        )
        where = f"{model.name}.{method.name}()"
        if shows_values:
            severity = Severity.WARNING
            what = (f"{where} prints a tensor's value with Python `print`, which runs only while "
                    "TensorFlow traces the layer: under model.fit() it prints two or three times "
                    "in all, showing symbolic tensors (`Tensor(\"...\", shape=(None, ...))`), "
                    "never the values of any step.")
        else:
            severity = Severity.INFORMATION
            what = (f"{where} calls Python `print`, which runs only while TensorFlow traces the "
                    "layer (two or three times per model.fit(), not once per step).")
        message = f"{what} Use `tf.print(...)` to print on every step (it writes to stderr)."
        yield Finding(CODE, NAME, severity, facts.span(node), message,
                      fixes=_print_fixes(facts, node))


def _shows_type_or_shape(node: ast.expr, imports: ImportTable) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return True
    return _shows_shape_only(node, imports)


def _print_fixes(facts: BlockFacts, call: ast.Call) -> tuple[PrintToTfPrint, ...]:
    if not fixable(call):
        return ()
    if tensorflow_name(facts.imports) is None and "tf" in facts.imports:
        return ()
    span = facts.span(call)
    return (PrintToTfPrint(call_sites=((span.line, span.column),)),)


# -- Python control flow on tensors ---------------------------------------------------------
def _condition_findings(
    facts: BlockFacts, model: ClassModel, method: ast.FunctionDef | ast.AsyncFunctionDef, tensors: set[str],
    flavour: str, conditions: list[ast.If | ast.While | ast.IfExp],
) -> Iterator[Finding]:
    for node in conditions:
        if is_tensor_value(node.test, tensors, facts.imports):
            keyword = "while" if isinstance(node, ast.While) else "if"
            remedy = ("keras.ops.while_loop(...)" if keyword == "while"
                      else "keras.ops.cond(...) or keras.ops.where(...)")
            message = (
                f"`{keyword} {_short(node.test)}` in {model.name}.call() decides on a tensor's "
                "value with Python control flow. Eager calls work, but model.fit() and "
                "tf.function trace call() into a graph (Keras 3 without AutoGraph), where this "
                "raises OperatorNotAllowedInGraphError: \"Using a symbolic `tf.Tensor` as a "
                f"Python `bool` is not allowed\". Express it with {remedy}."
            )
            if flavour == "unknown":  # tf-keras converts the condition with AutoGraph: it runs
                yield Finding(CODE, NAME, Severity.INFORMATION, facts.span(node.test),
                              ON_KERAS_3 + message)
            else:
                yield Finding(CODE, NAME, Severity.ERROR, facts.span(node.test), message)


def _short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _autograph_decorated(method: ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts) -> bool:
    """`@tf.function` on call() converts Python control flow with AutoGraph (unless
    `autograph=False`)."""
    for decorator in method.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if qualified_name(target, facts.imports) != "tensorflow.function":
            continue
        disabled = isinstance(decorator, ast.Call) and any(
            kw.arg == "autograph" and isinstance(kw.value, ast.Constant) and kw.value.value is False
            for kw in decorator.keywords
        )
        return not disabled
    return False


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="print() or a Python if/while on a tensor's value inside a layer's call().",
    fix_title="Replace print with tf.print; express tensor conditions with keras.ops.cond/where.",
    fix_safety="unsafe",
    keras_version_aware=True,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class Debug(keras.layers.Layer):
    def call(self, x):
        print(x)  # LL204: runs once, while fit() traces call(), and prints a symbolic tensor
        return x
""",
        fix=(
            "`Replace print with tf.print` (see `layerlint.fixes.print_to_tf_print`). A tensor "
            "condition needs `keras.ops.cond`, `keras.ops.where` or `keras.ops.while_loop`, by hand."
        ),
        fix_safety=(
            "Output moves from trace time to every step, prints values instead of symbolic tensors, and"
            " goes to stderr; may add `import tensorflow as tf`."
        ),
        when_to_ignore=(
            "A print meant to run once per trace (shapes and types are information for that reason), or"
            " one used only while debugging eagerly (`run_eagerly=True`). A Python condition on a "
            "tensor is never safe on Keras 3: `model.fit()` raises."
        ),
    ),
)
