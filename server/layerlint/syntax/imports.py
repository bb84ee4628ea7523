"""Resolves names to qualified names from a module's imports (`L.BatchNormalization` ->
`keras.layers.BatchNormalization`), without importing anything."""

from __future__ import annotations

import ast
from collections.abc import Iterable

ImportTable = dict[str, str]
"""Local name -> qualified name it was imported as."""


def collect_imports(statements: Iterable[ast.stmt]) -> ImportTable:
    """Import bindings of top-level statements, including those under `try`/`if` at top level."""
    table: ImportTable = {}
    for node in statements:
        for child in _import_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.asname:
                        table[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        table[top] = top
            else:
                # Relative imports keep their dots (`.blocks.ResBlock`), for workspace lookups.
                module = "." * child.level + (child.module or "")
                separator = "" if module.endswith(".") else "."
                for alias in child.names:
                    if alias.name != "*":
                        table[alias.asname or alias.name] = f"{module}{separator}{alias.name}"
    return table


def _import_nodes(node: ast.stmt) -> Iterable[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    elif isinstance(node, (ast.Try, ast.If)):
        for body in (node.body, node.orelse, *(h.body for h in getattr(node, "handlers", ()))):
            for child in body:
                yield from _import_nodes(child)


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if type(node) is ast.Name:  # most names asked are plain
        return node.id
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def qualified_name(node: ast.expr, imports: ImportTable) -> str | None:
    """The qualified name an expression refers to through the imports, or its dotted text."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    resolved = imports.get(head)
    if resolved is None:
        return dotted
    return f"{resolved}.{rest}" if rest else resolved
