"""Quick-fix "Replace print with tf.print": log from a layer's call() on every step (LL204).

Python's `print` runs while TensorFlow traces `call()` into a graph, so under `model.fit()` it
prints two or three times in all (measured, Keras 3.15.1 and tf-keras 2.21), showing symbolic
tensors, never values. `tf.print` is an op in the graph: it runs on every step and prints the
values (to stderr by default, TensorFlow's choice). The fix renames the callee only:

    print("mean", ops.mean(x))   ->   tf.print("mean", ops.mean(x))

It is offered when the arguments are plain values and the keywords are ones `tf.print` shares
with `print` (sep, end); an f-string or `%`/`.format()` formats its values once, at trace time,
so those calls need a rewrite by hand. When the module does not import TensorFlow, the fix adds
`import tensorflow as tf`. Which calls qualify is `syntax.print_calls`. The request: call_sites
([[line, column]] of the `print(...)` call, 1-based, column in characters).
"""

from __future__ import annotations

import ast

from layerlint.fix_requests import PrintToTfPrint
from layerlint.fixes import FixError
from layerlint.fixes.call_site import starts_at, text_offset
from layerlint.fixes.import_names import add_import, parse
from layerlint.fixes.text_blocks import split_lines
from layerlint.syntax.import_names import tensorflow_name
from layerlint.syntax.imports import collect_imports
from layerlint.syntax.print_calls import fixable
from layerlint.syntax.scope_names import names_taken_in_module


def apply(source: str, request: PrintToTfPrint) -> str:
    line, column = request.call_site
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
