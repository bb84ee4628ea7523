"""Which classes in a file are models, and which one a trace should run (a cheap `ast` pass).

A class is a model when a base's last name is a framework model base (`Layer`, `Model`,
`Module`, `Sequential`) or another model class of the same file. The default target is the
last model class that no other model class uses: the outermost model.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MODEL_BASES = frozenset({"Layer", "Model", "Module", "Sequential", "Functional"})


@dataclass(frozen=True)
class ModelClass:
    name: str
    line: int
    end_line: int
    column: int
    """1-based column of `class`."""


def model_classes(source: str) -> list[ModelClass]:
    """Model classes in source order; [] when the file does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [_describe(node) for node in _model_class_nodes(tree)]


def default_target(source: str) -> str | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    nodes = _model_class_nodes(tree)
    names = {node.name for node in nodes}
    used = {name for node in nodes for name in _names_used(node) if name != node.name}
    roots = [node.name for node in nodes if node.name not in used]
    candidates = roots or [node.name for node in nodes]
    return candidates[-1] if candidates and names else None


def class_at(source: str, line: int) -> str | None:
    """The innermost model class whose lines contain `line` (1-based)."""
    inside = [item for item in model_classes(source) if item.line <= line <= item.end_line]
    return max(inside, key=lambda item: item.line).name if inside else None


def _model_class_nodes(tree: ast.AST) -> list[ast.ClassDef]:
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    models: set[str] = set()
    changed = True
    while changed:  # a subclass of a model class is a model too, in any order of definition
        changed = False
        for node in classes:
            if node.name not in models and any(
                _last_name(base) in MODEL_BASES or _last_name(base) in models
                for base in node.bases
            ):
                models.add(node.name)
                changed = True
    return sorted((node for node in classes if node.name in models),
                  key=lambda node: (node.lineno, node.col_offset))


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[...]-style bases
        return _last_name(node.value)
    return None


def _names_used(node: ast.ClassDef) -> set[str]:
    return {_last_name(call.func) or "" for call in ast.walk(node) if isinstance(call, ast.Call)}


def _describe(node: ast.ClassDef) -> ModelClass:
    first = min([node.lineno, *(item.lineno for item in node.decorator_list)])
    return ModelClass(node.name, first, node.end_lineno or node.lineno, node.col_offset + 1)
