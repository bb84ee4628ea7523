"""How a fix names Keras and TensorFlow in the user's module, and how it adds an import.

A quick-fix that writes `keras.saving.serialize_keras_object(...)` or `tf.print(...)` must use
the names the module already imports (`from tensorflow import keras` binds `keras` to
`tensorflow.keras`, `import tensorflow as tf` binds `tf`), and the spelling differs per binding:
in TensorFlow 2.21 `tf.keras` is Keras 3 but has no `saving` submodule (measured), so the
serialization helpers are reached as `tf.keras.utils.serialize_keras_object` there. When the
module imports nothing usable, the fix adds one plain import line after the module's imports.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from dataclasses import dataclass

from layerlint.analysis.imports import ImportTable, collect_imports
from layerlint.fixes.scope_names import names_taken_in_module
from layerlint.fixes.text_blocks import split_lines, statement_line_range

# Qualified module -> the attribute path below it that holds what we need.
_SAVING_ROUTES = {
    "keras": {"keras": ".saving", "keras.saving": "", "tensorflow.keras": ".utils",
              "tensorflow": ".keras.utils"},
    "tf_keras": {"tf_keras": ".saving", "tf_keras.saving": ""},
}
_INITIALIZER_ROUTES = {
    "keras": {"keras": ".initializers", "keras.initializers": "", "tensorflow.keras": ".initializers",
              "tensorflow": ".keras.initializers"},
    "tf_keras": {"tf_keras": ".initializers", "tf_keras.initializers": ""},
}
_FRAMEWORK_MODULE = {"keras": "keras", "tf_keras": "tf_keras"}


@dataclass(frozen=True)
class ModuleReference:
    """`prefix` reaches the wanted namespace; `import_line` must be added first when set."""

    prefix: str
    import_line: str | None = None


def saving_namespace(
    imports: ImportTable, framework: str, taken: Container[str] = ()
) -> ModuleReference | None:
    """Where `serialize_keras_object`/`deserialize_keras_object` live for this framework.
    `taken`: names used anywhere in the module, which an added import must not shadow."""
    return _route(imports, framework, _SAVING_ROUTES, ".saving", taken)


def initializers_namespace(
    imports: ImportTable, framework: str, taken: Container[str] = ()
) -> ModuleReference | None:
    """Where `RandomNormal`, `Constant`, ... live for this framework."""
    return _route(imports, framework, _INITIALIZER_ROUTES, ".initializers", taken)


def tensorflow_name(imports: ImportTable) -> str | None:
    """The local name bound to the `tensorflow` module itself, if any (`tf`)."""
    return next((local for local, qualified in sorted(imports.items()) if qualified == "tensorflow"),
                None)


def _route(
    imports: ImportTable, framework: str, routes: dict[str, dict[str, str]], fallback: str,
    taken: Container[str],
) -> ModuleReference | None:
    known = routes.get(framework)
    if known is None:
        return None
    by_module = {qualified: local for local, qualified in sorted(imports.items(), reverse=True)}
    module = _FRAMEWORK_MODULE[framework]
    # A module written against the `keras` package gets `import keras` rather than a detour
    # through `tf.keras`; one written against `tf.keras` keeps using it.
    uses_package = any(q == module or q.startswith(module + ".") for q in imports.values())
    for qualified, suffix in known.items():
        if qualified in by_module and (qualified.startswith(module) or not uses_package):
            return ModuleReference(by_module[qualified] + suffix)
    if module in imports or module in taken:  # bound to something else: do not shadow it
        return None
    return ModuleReference(module + fallback, f"import {module}")


def module_imports(tree: ast.Module) -> ImportTable:
    return collect_imports(tree.body)


def module_names(tree: ast.Module) -> set[str]:
    return names_taken_in_module(tree)


def add_import(source: str, tree: ast.Module, import_line: str) -> str:
    """`source` with `import_line` on its own line after the last top-level import (or after
    the module docstring and `from __future__` imports when there is none)."""
    lines = split_lines(source)
    anchor = 0
    for index, statement in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
        )
        if is_docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
            anchor = statement_line_range(statement)[1]
    newline = newline_of(lines)
    if anchor and anchor <= len(lines) and not lines[anchor - 1].endswith(("\n", "\r")):
        lines[anchor - 1] += newline
    lines.insert(anchor, import_line + newline)
    return "".join(lines)


def newline_of(lines: list[str]) -> str:
    """The line ending the text already uses (\\n when it has none)."""
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith(("\n", "\r")):
            return line[-1]
    return "\n"
