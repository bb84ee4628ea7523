"""Quick-fix "Register Block with @keras.saving.register_keras_serializable()" (LL207).

Adds the registration decorator on top of the class's decorators, so `load_model` finds the class
by its registered name (`Custom>Block`) without `custom_objects`:

    class Block(keras.layers.Layer):   ->   @keras.saving.register_keras_serializable()
                                            class Block(keras.layers.Layer):

`keras` (or `tf_keras` for tf-keras classes) is spelled through the module's imports, as
`tf.keras.utils.register_keras_serializable` after `import tensorflow as tf` (see
`keras_registration`); `import keras` is added when nothing reaches it.

`data`: class_name, framework ("keras" or "tf_keras").
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from layerlint.analysis.imports import collect_imports
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import rewrite_class
from layerlint.fixes.import_names import add_import, parse
from layerlint.fixes.keras_registration import registration_decorator

KIND = "register-serializable"


def apply(source: str, data: dict[str, Any]) -> str:
    try:
        class_name, framework = str(data["class_name"]), str(data.get("framework", "keras"))
    except (KeyError, TypeError) as error:
        raise FixError(f"malformed {KIND} data: {error!r}") from error
    if framework not in ("keras", "tf_keras"):
        raise FixError(f"unknown framework {framework!r}")
    function, import_statement = registration_decorator(collect_imports(parse(source).body), framework)
    decorator = cst.Decorator(cst.parse_expression(f"{function}()"))

    def register(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
        del first_line  # found by name
        return node.with_changes(decorators=[decorator, *node.decorators])

    return add_import(rewrite_class(source, class_name, register), import_statement)
