"""Rewriting one top-level class with libcst, leaving every other byte of the module alone.

The class-level quick-fixes (reset `built`, add `build()`, register for serialization, wrap a
container) all find a top-level class by name, hand its libcst node to a transformation, and
splice the result back (see `text_blocks`: only the lines of that class go through libcst).
Not a fix itself (no KIND).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from layerlint.fixes import FixError
from layerlint.fixes.import_names import parse
from layerlint.fixes.text_blocks import enclosing_block, statement_line_range

ClassTransform = Callable[[cst.ClassDef, int], cst.ClassDef]
"""(class node, module line of its first line, decorators included) -> new class node."""


def find_class(tree: ast.Module, class_name: str, line: int | None = None) -> ast.ClassDef:
    """The top-level class `class_name`; with `line`, the one whose lines contain it."""
    matches = [
        statement for statement in tree.body
        if isinstance(statement, ast.ClassDef) and statement.name == class_name
    ]
    if line is not None:
        matches = [
            node for node in matches
            if statement_line_range(node)[0] <= line <= statement_line_range(node)[1]
        ]
    if not matches:
        where = f" at line {line}" if line is not None else ""
        raise FixError(f"no top-level class {class_name}{where}: re-run the analysis")
    return matches[-1]  # the binding Python keeps when a name is defined twice


def rewrite_class(
    source: str, class_name: str, transform: ClassTransform, line: int | None = None
) -> str:
    """The whole module text with class `class_name` replaced by `transform`'s result."""
    tree = parse(source)
    node = find_class(tree, class_name, line)
    first, last = statement_line_range(node)
    block = enclosing_block(source, tree, [first, last])
    if block is None:  # pragma: no cover - a top-level statement always covers its own lines
        raise FixError(f"cannot locate class {class_name}")
    try:
        module = cst.parse_module(block.text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"libcst cannot parse class {class_name}: {error}") from error
    body = list(module.body)
    # The block may hold statements joined to the class by ";" on one line: pick by name.
    index = max(
        (i for i, statement in enumerate(body)
         if isinstance(statement, cst.ClassDef) and statement.name.value == class_name),
        default=None,
    )
    if index is None:
        raise FixError(f"cannot locate class {class_name}")
    class_node = body[index]
    assert isinstance(class_node, cst.ClassDef)  # picked by type above
    body[index] = transform(class_node, first)
    return block.splice(module.with_changes(body=body).code)


def visit_with_positions(node: cst.ClassDef, transformer: cst.CSTTransformer) -> cst.ClassDef:
    """Run a transformer that asks for PositionProvider over one class: line 1 of the positions
    is the class's first line (its first decorator, if any)."""
    bare = node.with_changes(leading_lines=())
    module = MetadataWrapper(cst.Module(body=[bare]), unsafe_skip_copy=True).visit(transformer)
    new_node = module.body[0]
    assert isinstance(new_node, cst.ClassDef)
    return new_node.with_changes(leading_lines=node.leading_lines)


def statement_index_after_docstring(body: list[cst.BaseStatement] | tuple) -> int:
    """Where new members of a class go first: after its docstring, if it has one."""
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body[0] if body[0].body else None
        if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString,
                                                                    cst.ConcatenatedString)):
            return 1
    return 0


def method(body: list[cst.BaseStatement] | tuple, name: str) -> int | None:
    """Index of method `name` in a class body."""
    return next(
        (i for i, statement in enumerate(body)
         if isinstance(statement, cst.FunctionDef) and statement.name.value == name),
        None,
    )


def parse_members(code: str) -> list[cst.BaseStatement]:
    """Statements written without indentation, for insertion into a class body: libcst indents
    nested blocks with the indentation of the module they are printed in."""
    return list(cst.parse_module(code).body)
