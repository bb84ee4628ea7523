"""The `self.add_weight(...)` that replaces a `tf.Variable(...)` in a layer, when the
translation is mechanical: the initial value says both the shape and the distribution
(`tf.zeros/ones(shape)`, `tf.fill(shape, value)`, `tf.random.normal/uniform/truncated_normal`,
a number). LL202 offers its fix only where this finds a translation; the fix writes it.
TensorFlow's random defaults are spelled out (tf.random.normal: stddev 1.0; Keras'
RandomNormal: 0.05).
"""

from __future__ import annotations

import ast

from layerlint.syntax.import_names import initializers_namespace
from layerlint.syntax.imports import ImportTable, qualified_name

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
    value = initial.value if isinstance(initial, ast.Constant) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _constant_arguments(value, imports, framework, taken)
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
