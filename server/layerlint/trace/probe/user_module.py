"""Loading the user's file as a module (never as `__main__`) and finding the model in it.

The kernel stays warm between traces, so every trace re-runs the file's current text and first
forgets the user's sibling modules imported by an earlier trace, so that edits are seen.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import linecache
import os
import shutil
import sys
import tempfile
import types
from typing import Any

from .devices import is_model
from .sites import framework_roots

FRAMEWORKS = ("tensorflow", "keras", "tf_keras", "torch")


def frameworks_imported_by(source: str) -> list[str]:
    """Frameworks to import (and hook) before the user's module runs."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return [name for name in FRAMEWORKS if name in roots]


def import_frameworks(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(ImportError):
            module = importlib.import_module(name)
            if name == "tensorflow":
                with contextlib.suppress(Exception):
                    module.keras.layers.Layer  # noqa: B018 - resolves tf.keras (Keras 3 or 2)


def reset_framework_sessions() -> None:
    """Fresh layer names (`conv2d`, not `conv2d_7`) and freed memory in the warm kernel."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(getattr(keras, "utils", None), "clear_session"):
        keras.utils.clear_session()
    tf_keras = sys.modules.get("tf_keras")
    if tf_keras is not None and hasattr(tf_keras, "backend"):
        tf_keras.backend.clear_session()


def import_user_module(path: str, source: str, folder: str | None = None) -> types.ModuleType:
    """Run `source` as the module at `path`, its siblings importable from `folder` (default:
    the file's own); the caller removes it with `unload`."""
    directory = folder or os.path.dirname(path)
    sys.path.insert(0, directory)
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules else "_layerlint_traced"
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    # Tracebacks and call sites must show the text that ran, saved to disk or not.
    linecache.cache[path] = (len(source), None, source.splitlines(keepends=True), path)
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # leave no __pycache__ in the user's folders
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except BaseException:
        unload(module, directory)
        raise
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


def unload(module: types.ModuleType, folder: str | None = None) -> None:
    if sys.modules.get(module.__name__) is module:
        del sys.modules[module.__name__]
    with contextlib.suppress(ValueError):
        sys.path.remove(folder or os.path.dirname(module.__file__ or ""))


def forget_user_modules(directory: str) -> dict[str, types.ModuleType]:
    """Remove the modules loaded from `directory` (so that a trace sees their current text);
    returns them, for a kernel that is not ours to get them back."""
    directory = os.path.realpath(directory) + os.sep
    roots = framework_roots()
    removed = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        real = os.path.realpath(file)
        if real.startswith(directory) and not any(real.startswith(root) for root in roots):
            removed[name] = sys.modules.pop(name)
    return removed


def write_shipped_modules(modules: dict[str, str]) -> str:
    """Write the workspace modules sent with a request (a remote kernel cannot read our
    files) into a fresh private folder, keeping their relative paths; returns the folder."""
    folder = os.path.realpath(tempfile.mkdtemp(prefix="layerlint-trace-"))
    for relative, text in modules.items():
        target = os.path.realpath(os.path.join(folder, relative))
        if not target.startswith(folder + os.sep):
            continue  # never outside the folder
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    return folder


def remove_shipped_modules(folder: str) -> None:
    forget_user_modules(folder)
    shutil.rmtree(folder, ignore_errors=True)


def resolve_target(module: types.ModuleType, target: str | None) -> tuple[str, Any]:
    """(name, model): a class is instantiated, a factory called, an instance used as is."""
    if not target:
        models = [(name, value) for name, value in vars(module).items() if is_model(value)]
        if not models:
            raise LookupError(f"no model class or instance found in {module.__file__}; "
                              "name one as FILE:CLASS")
        return models[-1]
    if not hasattr(module, target):
        raise LookupError(f"{target!r} is not defined in {module.__file__}")
    value = getattr(module, target)
    if is_model(value):
        return target, value
    if callable(value):
        built = value()
        if is_model(built):
            return target, built
        raise TypeError(f"{target}() returned a {type(built).__name__}, not a layer or module")
    raise TypeError(f"{target!r} is a {type(value).__name__}, not a model class")
