"""Quick-fix "Replace print with tf.print": log from a layer's call() on every step (LL204).

Python's `print` runs while TensorFlow traces `call()` into a graph, so under `model.fit()` it
prints two or three times in all (measured, Keras 3.15.1 and tf-keras 2.21), showing symbolic
tensors, never values. `tf.print` is an op in the graph: it runs on every step and prints the
values (to stderr by default, TensorFlow's choice). The fix renames the callee only:

    print("mean", ops.mean(x))   ->   tf.print("mean", ops.mean(x))

It is offered when the arguments are plain values and the keywords are ones `tf.print` shares
with `print` (sep, end); an f-string or `%`/`.format()` formats its values once, at trace time,
so those calls need a rewrite by hand. When the module does not import TensorFlow, the fix adds
`import tensorflow as tf`. `data`: call_sites ([[line, column]] of the `print(...)` call,
1-based, column in characters).
"""

from __future__ import annotations

import ast
from typing import Any

from layerlint.analysis.imports import collect_imports
from layerlint.fixes import FixError
from layerlint.fixes.call_site import one_call_site, starts_at, text_offset
from layerlint.fixes.import_names import add_import, parse, tensorflow_name
from layerlint.fixes.scope_names import names_taken_in_module
from layerlint.fixes.text_blocks import split_lines

KIND = "print-to-tf-print"
TITLE = "Replace print with tf.print"
_SHARED_KEYWORDS = {"sep", "end"}


def fixable(call: ast.Call) -> bool:
    """Whether `call` (a `print(...)`) keeps its meaning as `tf.print(...)`."""
    if any(keyword.arg not in _SHARED_KEYWORDS for keyword in call.keywords):
        return False
    return not any(_formats_at_trace_time(argument) for argument in call.args)


def _formats_at_trace_time(node: ast.expr) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr) and any(
            isinstance(part, ast.FormattedValue) for part in child.values
        ):
            return True
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Mod) and isinstance(
            child.left, (ast.Constant, ast.JoinedStr)
        ):
            return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and (
            child.func.attr == "format"
        ):
            return True
        if isinstance(child, ast.Starred):
            return True
    return False


def apply(source: str, data: dict[str, Any]) -> str:
    line, column = one_call_site(data, KIND)
    tree = parse(source)
    lines = split_lines(source)
    call = next(
        (node for node in ast.walk(tree)
         if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
         and node.func.id == "print" and starts_at(node, lines, line, column)),
        None,
    )
    if call is None:
        raise FixError(f"no print(...) call at {line}:{column}: re-run the analysis")
    if not fixable(call):
        raise FixError("this print formats its values at trace time; rewrite it by hand")
    name = tensorflow_name(collect_imports(tree.body))
    import_line = None
    if name is None:
        if "tf" in names_taken_in_module(tree):
            raise FixError("the module does not import tensorflow and the name `tf` is taken")
        name, import_line = "tf", "import tensorflow as tf"
    start = text_offset(lines, line, call.col_offset)
    result = source[:start] + f"{name}.print" + source[start + len("print"):]
    return add_import(result, import_line)
