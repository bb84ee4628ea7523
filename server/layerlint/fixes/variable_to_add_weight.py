"""Quick-fix "Replace tf.Variable with self.add_weight": let Keras own a layer's weight (LL202).

    self.scale = tf.Variable(tf.ones((units,)), trainable=True)
->  self.scale = self.add_weight(shape=(units,), initializer="ones", trainable=True)

Only mechanical cases are rewritten, where the initial value says both the shape and the
distribution: `tf.zeros/ones(shape)`, `tf.fill(shape, value)`, `tf.random.normal/uniform/
truncated_normal(shape, ...)` and a number literal. TensorFlow's and Keras' random defaults
differ (tf.random.normal: stddev 1.0; keras RandomNormal: 0.05), so the initializer spells out
TensorFlow's values. A seed, positional distribution arguments, or any other `tf.Variable`
argument (constraint, synchronization, ...) leaves the call alone: no fix is offered.

The rewrite replaces the call's own text only. `data`: call_sites ([[line, column]] of the
`tf.Variable(...)` call, 1-based, column in characters), framework ("keras" or "tf_keras").
"""

from __future__ import annotations

import ast
from typing import Any

from layerlint.analysis.imports import ImportTable, collect_imports, qualified_name
from layerlint.fixes import FixError
from layerlint.fixes.call_site import one_call_site, starts_at, text_offset
from layerlint.fixes.import_names import add_import, initializers_namespace, parse
from layerlint.fixes.scope_names import names_taken_in_module
from layerlint.fixes.text_blocks import split_lines

KIND = "variable-to-add-weight"
TITLE = "Replace tf.Variable with self.add_weight"
VARIABLE_NAMES = {"tensorflow.Variable", "tensorflow.compat.v1.Variable", "tensorflow.compat.v2.Variable"}

_FILLED = {"tensorflow.zeros": '"zeros"', "tensorflow.ones": '"ones"'}
# TensorFlow function -> (Keras initializer, its arguments with TensorFlow's defaults).
_RANDOM = {
    "tensorflow.random.normal": ("RandomNormal", (("mean", "0.0"), ("stddev", "1.0"))),
    "tensorflow.random.truncated_normal": ("TruncatedNormal", (("mean", "0.0"), ("stddev", "1.0"))),
    "tensorflow.random.uniform": ("RandomUniform", (("minval", "0.0"), ("maxval", "1.0"))),
}
_VARIABLE_KEYWORDS = {"initial_value", "trainable", "name", "dtype"}


def add_weight_call(
    call: ast.Call, source: str, receiver: str, imports: ImportTable, framework: str,
    taken: set[str] | None = None,
) -> tuple[str, str | None] | None:
    """The `receiver.add_weight(...)` text replacing `call` (a `tf.Variable(...)`), and the
    import line it needs; None when the translation is not mechanical."""
    keywords = {kw.arg: kw.value for kw in call.keywords}
    if None in keywords or set(keywords) - _VARIABLE_KEYWORDS or len(call.args) > 1:
        return None
    initial = call.args[0] if call.args else keywords.get("initial_value")
    if initial is None or (call.args and "initial_value" in keywords):
        return None
    arguments = _initial_value_arguments(initial, source, imports, framework, taken or set())
    if arguments is None:
        return None
    parts, import_line = arguments
    if "dtype" in keywords:
        parts = [p for p in parts if not p.startswith("dtype=")]
    for keyword in ("dtype", "trainable", "name"):
        if keyword in keywords:
            parts.append(f"{keyword}={_text(keywords[keyword], source)}")
    return f"{receiver}.add_weight({', '.join(parts)})", import_line


def _initial_value_arguments(
    initial: ast.expr, source: str, imports: ImportTable, framework: str, taken: set[str]
) -> tuple[list[str], str | None] | None:
    if (isinstance(initial, ast.Constant) and isinstance(initial.value, (int, float))
            and not isinstance(initial.value, bool)):
        return _constant_arguments(initial.value, imports, framework, taken)
    if not isinstance(initial, ast.Call):
        return None
    function = qualified_name(initial.func, imports)
    keywords = {kw.arg: kw.value for kw in initial.keywords}
    if None in keywords:
        return None
    shape = initial.args[0] if initial.args else keywords.pop("shape", None)
    if shape is None:
        return None
    keywords.pop("shape", None)
    dtype = keywords.pop("dtype", None)
    keywords.pop("name", None)
    extra = [f"dtype={_text(dtype, source)}"] if dtype is not None else []
    if function in _FILLED and len(initial.args) <= 1 and not keywords:
        return [f"shape={_text(shape, source)}", f"initializer={_FILLED[function]}", *extra], None
    if function == "tensorflow.fill" and not keywords and len(initial.args) == 2:
        namespace = initializers_namespace(imports, framework, taken)
        if namespace is None:
            return None
        value = _text(initial.args[1], source)
        init = f"{namespace.prefix}.Constant({value})"
        return [f"shape={_text(shape, source)}", f"initializer={init}", *extra], namespace.import_line
    if function in _RANDOM and len(initial.args) <= 1 and set(keywords) <= {
        name for name, _ in _RANDOM[function][1]
    }:
        namespace = initializers_namespace(imports, framework, taken)
        if namespace is None:
            return None
        cls, defaults = _RANDOM[function]
        values = ", ".join(
            f"{name}={_text(keywords[name], source) if name in keywords else default}"
            for name, default in defaults
        )
        init = f"{namespace.prefix}.{cls}({values})"
        return [f"shape={_text(shape, source)}", f"initializer={init}", *extra], namespace.import_line
    return None


def _constant_arguments(
    value: float, imports: ImportTable, framework: str, taken: set[str]
) -> tuple[list[str], str | None] | None:
    # tf.Variable(0) is an int32 variable; add_weight defaults to the float policy dtype.
    dtype = ['dtype="int32"'] if isinstance(value, int) else []
    if value in (0, 1):
        name = '"zeros"' if value == 0 else '"ones"'
        return ["shape=()", f"initializer={name}", *dtype], None
    namespace = initializers_namespace(imports, framework, taken)
    if namespace is None:
        return None
    return (["shape=()", f"initializer={namespace.prefix}.Constant({value!r})", *dtype],
            namespace.import_line)


def _text(node: ast.expr, source: str) -> str:
    return ast.get_source_segment(source, node) or ast.unparse(node)


def apply(source: str, data: dict[str, Any]) -> str:
    line, column = one_call_site(data, KIND)
    try:
        framework = str(data["framework"])
    except KeyError as error:
        raise FixError(f"malformed {KIND} data: {error!r}") from error
    tree = parse(source)
    lines = split_lines(source)
    imports = collect_imports(tree.body)
    call, receiver = _variable_call_at(tree, lines, line, column, imports)
    replacement = add_weight_call(call, source, receiver, imports, framework, names_taken_in_module(tree))
    if replacement is None:
        raise FixError("this tf.Variable cannot be rewritten mechanically")
    text, import_line = replacement
    start = text_offset(lines, call.lineno, call.col_offset)
    end = text_offset(lines, call.end_lineno or call.lineno, call.end_col_offset or call.col_offset)
    return add_import(source[:start] + text + source[end:], import_line)


def _variable_call_at(
    tree: ast.Module, lines: list[str], line: int, column: int, imports: ImportTable
) -> tuple[ast.Call, str]:
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not function.args.args:
            continue
        for node in ast.walk(function):
            if (isinstance(node, ast.Call) and starts_at(node, lines, line, column)
                    and qualified_name(node.func, imports) in VARIABLE_NAMES):
                return node, function.args.args[0].arg
    raise FixError(f"no tf.Variable call at {line}:{column} inside a method: re-run the analysis")
