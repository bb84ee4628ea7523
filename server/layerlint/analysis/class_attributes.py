"""The `<name>.<attribute>` nodes of a class (`self.bn`), remembered per body statement.

Several rules ask the edited class the same kind of question on every keystroke: which
`self.<name>` it reads (`reuse_cases`), whether a layer's name is used anywhere else
(`reuse_messages`), which names a new attribute must avoid (`facts.class_names_taken`). Each
used to filter the walk of the whole class; a keystroke changes one method, and the other body
statements are the previous version's nodes (`class_reparse`: a node is its unchanged text), so
each statement's attribute nodes are remembered on its tree (`tree_memo`) and only the edited
statement is read again. The answers are sets or `any`, so the order (statement by statement,
not the class's breadth-first walk) does not matter to them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from layerlint.analysis import tree_memo
from layerlint.analysis.walk import walk

NameAttribute = tuple[ast.Attribute, str]
"""An `ast.Attribute` whose value is a plain name, with that name (`self`)."""

_MEMO_KEY = "name attributes"


def name_attributes(class_node: ast.ClassDef) -> Iterator[NameAttribute]:
    """Every attribute node of the class (itself, its bases, keywords and decorators included)
    whose value is a plain `ast.Name`, with the name."""
    for statement in class_node.body:
        yield from _statement_attributes(statement)
    for field in class_node._fields:
        if field == "body":
            continue
        value = getattr(class_node, field, None)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, ast.AST):
                yield from _attributes_in(item)


def _statement_attributes(statement: ast.stmt) -> tuple[NameAttribute, ...]:
    memo = tree_memo.memo(statement)
    found = memo.get(_MEMO_KEY)
    if found is None:
        found = memo[_MEMO_KEY] = tuple(_attributes_in(statement))
    return found


def _attributes_in(node: ast.AST) -> Iterator[NameAttribute]:
    attribute, name = ast.Attribute, ast.Name  # the parser makes no subclasses of these
    for child in walk(node):
        if type(child) is attribute and type(child.value) is name:
            yield child, child.value.id


__all__ = ["NameAttribute", "name_attributes"]
