"""Spelling a framework name the way a module already imports it, or adding the import it needs.

A quick-fix that writes `nn.ModuleList(...)` or `@keras.saving.register_keras_serializable()`
must use the names the module has: `nn` after `from torch import nn`, `tf.keras` after
`import tensorflow as tf`. When no import reaches the name, the fix adds `import <root>` below
the module's last top-level import and writes the full dotted name. Not a fix itself (no KIND).
"""

from __future__ import annotations

import ast

from layerlint.analysis.imports import ImportTable, collect_imports
from layerlint.fixes import FixError
from layerlint.fixes.text_blocks import split_lines

# Keras 3 is importable as `keras` and, since TensorFlow 2.16, as `tensorflow.keras`.
_EQUIVALENT_PREFIXES = {"keras": ("keras", "tensorflow.keras")}


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
    imports = collect_imports(tree.body) if isinstance(tree, ast.Module) else tree
    text = spelling(qualified, imports)
    if text is not None:
        return text, None
    root = qualified.split(".")[0]
    if root in imports:  # `root` already names something else (`import tf_keras as keras`)
        raise FixError(f"cannot import {root}: the name is taken by {imports[root]}")
    return qualified, f"import {root}"


def add_import(source: str, statement: str | None) -> str:
    """Insert `statement` as its own line after the last top-level import (or the docstring)."""
    if statement is None:
        return source
    tree = parse(source)
    lines = split_lines(source)
    after = _import_anchor(tree)
    newline = _newline(lines)
    if after and after <= len(lines) and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    lines.insert(after, statement + newline)
    return "".join(lines)


def _import_anchor(tree: ast.Module) -> int:
    """The line after which a new import goes: the last import before the first other code."""
    anchor = 0
    for index, statement in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
        )
        if isinstance(statement, (ast.Import, ast.ImportFrom)) or is_docstring:
            anchor = statement.end_lineno or statement.lineno
        elif anchor:
            break
    return anchor


def _newline(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith(("\n", "\r")):
            return line[-1]
    return "\n"


def parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the document does not parse ({error}); fix the syntax error first") from error
