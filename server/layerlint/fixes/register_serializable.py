"""Quick-fix "Register Block with @keras.saving.register_keras_serializable()" (LL207).

Adds the registration decorator on top of the class's decorators, so `load_model` finds the class
by its registered name (`Custom>Block`) without `custom_objects`:

    class Block(keras.layers.Layer):   ->   @keras.saving.register_keras_serializable()
                                            class Block(keras.layers.Layer):

`keras` (or `tf_keras` for tf-keras classes) is spelled through the module's imports, as
`tf.keras.utils.register_keras_serializable` after `import tensorflow as tf` (see
`keras_registration`); `import keras` is added when nothing reaches it.

A loss function given to `compile` gets the same decorator (`kind: "function"`): Keras looks
functions up in the same registry.

`data`: class_name (the class or function name), framework ("keras" or "tf_keras"), kind
("class", the default, or "function").
"""

from __future__ import annotations

import ast

import libcst as cst

from layerlint.fix_requests import RegisterSerializable
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import rewrite_class
from layerlint.fixes.import_names import add_import, parse
from layerlint.syntax.imports import collect_imports
from layerlint.syntax.keras_registration import registration_decorator


def apply(source: str, request: RegisterSerializable) -> str:
    class_name, framework = request.class_name, request.framework
    function, import_statement = registration_decorator(collect_imports(parse(source).body), framework)
    if request.target == "function":
        return add_import(_decorate_function(source, class_name, f"@{function}()"), import_statement)
    decorator = cst.Decorator(cst.parse_expression(f"{function}()"))

    def register(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
        del first_line  # found by name
        return node.with_changes(decorators=[decorator, *node.decorators])

    return add_import(rewrite_class(source, class_name, register), import_statement)


def _decorate_function(source: str, name: str, decorator: str) -> str:
    """Put `decorator` on its own line above the top-level function `name` (and its other
    decorators), with the line ending the file uses."""
    matches = [node for node in ast.parse(source).body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name]
    if not matches:
        raise FixError(f"no top-level function {name}: re-run the analysis")
    node = matches[-1]
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = source.splitlines(keepends=True)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    lines.insert(first - 1, decorator + ending)
    return "".join(lines)
