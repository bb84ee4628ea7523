"""Quick-fix "Replace tf.Variable with self.add_weight": let Keras own a layer's weight (LL202).

    self.scale = tf.Variable(tf.ones((units,)), trainable=True)
->  self.scale = self.add_weight(shape=(units,), initializer="ones", trainable=True)

Only mechanical cases are rewritten, where the initial value says both the shape and the
distribution: `tf.zeros/ones(shape)`, `tf.fill(shape, value)`, `tf.random.normal/uniform/
truncated_normal(shape, ...)` and a number literal. TensorFlow's and Keras' random defaults
differ (tf.random.normal: stddev 1.0; keras RandomNormal: 0.05), so the initializer spells out
TensorFlow's values. A seed, positional distribution arguments, or any other `tf.Variable`
argument (constraint, synchronization, ...) leaves the call alone: no fix is offered.

The rewrite replaces the call's own text only (the translation is `syntax.add_weight`, which
LL202 reads to decide whether to offer the fix). The request: call_sites ([[line, column]] of the
`tf.Variable(...)` call, 1-based, column in characters), framework ("keras" or "tf_keras").
"""

from __future__ import annotations

import ast

from layerlint.fix_requests import VariableToAddWeight
from layerlint.fixes import FixError
from layerlint.fixes.call_site import starts_at, text_offset
from layerlint.fixes.import_names import add_import, parse
from layerlint.fixes.text_blocks import split_lines
from layerlint.syntax.add_weight import VARIABLE_NAMES, add_weight_call
from layerlint.syntax.imports import ImportTable, collect_imports, qualified_name
from layerlint.syntax.scope_names import names_taken_in_module


def apply(source: str, request: VariableToAddWeight) -> str:
    (line, column), framework = request.call_site, request.framework
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
