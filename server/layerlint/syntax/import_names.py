"""Spelling a framework name the way a module already imports it, or adding the import it needs.

A quick-fix that writes `nn.ModuleList(...)`, `tf.print(...)` or
`keras.saving.serialize_keras_object(...)` must use the names the module has: `nn` after
`from torch import nn`, `tf.keras` after `import tensorflow as tf`, `keras` bound to
`tensorflow.keras` after `from tensorflow import keras`. Where Keras keeps a helper differs per
binding: in TensorFlow 2.21 `tf.keras` is Keras 3 but has no `saving` submodule (measured), so
the serialization helpers are reached as `tf.keras.utils.serialize_keras_object` there. When no
import reaches the name, the fix adds a plain import line below the module's leading imports
and writes the full dotted name. The analysis reads the same spellings to decide which fix to
offer and how to title it; adding the import line is `layerlint.fixes.import_names`'s job.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from dataclasses import dataclass

from layerlint.fix_requests import FixError
from layerlint.syntax.imports import ImportTable, collect_imports

# Keras 3 is importable as `keras` and, since TensorFlow 2.16, as `tensorflow.keras`.
_EQUIVALENT_PREFIXES = {"keras": ("keras", "tensorflow.keras")}

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


# -- a name through the imports ----------------------------------------------------------------
def spelling(qualified: str, imports: ImportTable, equivalents: bool = True) -> str | None:
    """How `qualified` (`torch.nn.ModuleList`) reads through the module's imports
    (`nn.ModuleList`), the shortest spelling when several work; None when no import reaches it.
    `equivalents`: also through `tensorflow.keras` for `keras` names."""
    candidates = []
    for alias in _equivalents(qualified) if equivalents else [qualified]:
        for local, bound in imports.items():
            if alias == bound:
                candidates.append(local)
            elif alias.startswith(bound + "."):
                candidates.append(local + alias[len(bound):])
    return min(candidates, key=lambda text: (len(text), text)) if candidates else None


def _equivalents(qualified: str) -> list[str]:
    root, _, rest = qualified.partition(".")
    prefixes = _EQUIVALENT_PREFIXES.get(root, (root,))
    return [f"{prefix}.{rest}" if rest else prefix for prefix in prefixes]


def reference(tree: ast.Module | ImportTable, qualified: str) -> tuple[str, str | None]:
    """(how to write `qualified` in this module, the import statement to add first or None)."""
    if isinstance(tree, ast.Module):
        tree = collect_imports(tree.body)
    imports = tree
    text = spelling(qualified, imports)
    if text is not None:
        return text, None
    root = qualified.split(".")[0]
    if root in imports:  # `root` already names something else (`import tf_keras as keras`)
        raise FixError(f"cannot import {root}: the name is taken by {imports[root]}")
    return qualified, f"import {root}"


def tensorflow_name(imports: ImportTable) -> str | None:
    """The local name bound to the `tensorflow` module itself, if any (`tf`)."""
    return next((local for local, qualified in sorted(imports.items()) if qualified == "tensorflow"),
                None)


# -- a Keras namespace through the imports -----------------------------------------------------
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
