"""Finding the class or function a fix works in, and the names already taken there.

The analysis names a scope by its innermost class or function plus the line of the statement in
question (a name alone is ambiguous: nested or repeated definitions). These helpers find that
node in a stdlib `ast` tree of the whole module, which is cheap, and list the names a new binding
must not collide with. They err on the side of "taken": a name that merely appears somewhere in
the scope counts, because a fix that silently shadows something is worse than one that asks for
another name.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from itertools import chain
from itertools import count as numbers
from string import ascii_lowercase
from typing import TypeVar

ScopeNode = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_Scope = TypeVar("_Scope", bound=ScopeNode)


def innermost_scope(
    tree: ast.Module, line: int, kinds: tuple[type[_Scope], ...]
) -> _Scope | None:
    """The innermost node of one of `kinds` whose lines (decorators included) contain `line`."""
    best: _Scope | None = None
    for node in ast.walk(tree):
        if not isinstance(node, kinds) or not _first_line(node) <= line <= (node.end_lineno or 0):
            continue
        # Nested scopes start later than the ones around them.
        if best is None or node.lineno > best.lineno:
            best = node
    return best


def names_taken_in_class(
    class_node: ast.ClassDef, walk: Callable[[ast.AST], Iterable[ast.AST]] = ast.walk,
    name_attributes: Callable[[ast.ClassDef], Iterable[tuple[ast.Attribute, str]]] | None = None,
) -> set[str]:
    """Attribute names a new `self.<name>` must avoid: every `self.<x>` used in the class, and
    every name bound directly in the class body (methods, properties, class variables).
    `walk`: how to list a subtree's nodes (the analysis passes its cached walk);
    `name_attributes`: how to list the class's `<name>.<attribute>` nodes with the name (the
    analysis passes its per-statement memo), instead of walking the class."""
    receivers = {"self"} | {
        method.args.args[0].arg
        for method in class_node.body
        if isinstance(method, FUNCTION_TYPES) and method.args.args
    }
    if name_attributes is not None:
        taken = {node.attr for node, name in name_attributes(class_node) if name in receivers}
    else:
        taken = {
            node.attr
            for node in walk(class_node)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in receivers
        }
    for statement in class_node.body:
        if isinstance(statement, (*FUNCTION_TYPES, ast.ClassDef)):
            taken.add(statement.name)
        else:
            taken |= _names_in(statement, walk)
    return taken


def names_taken_in_function(function_node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Every name bound or read anywhere in the function, nested scopes included."""
    return _names_in(function_node)


def names_taken_in_module(tree: ast.Module) -> set[str]:
    """Every name bound or read anywhere in the module: a new module-level variable must not
    shadow a global that any function reads, nor be shadowed where it is used."""
    return _names_in(tree)


def _first_line(node: ScopeNode) -> int:
    return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])


def _names_in(root: ast.AST, walk: Callable[[ast.AST], Iterable[ast.AST]] = ast.walk) -> set[str]:
    names: set[str] = set()
    for node in walk(root):
        match node:
            case ast.Name(id=name) | ast.arg(arg=name):
                names.add(name)
            case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name):
                names.add(name)
            case ast.ClassDef(name=name) | ast.ExceptHandler(name=str(name)):
                names.add(name)
            case ast.alias(name=imported, asname=alias):
                names.add(alias or imported.split(".")[0])
            case ast.Global(names=declared) | ast.Nonlocal(names=declared):
                names.update(declared)
            case ast.MatchAs(name=str(name)) | ast.MatchStar(name=str(name)):
                names.add(name)
            case ast.MatchMapping(rest=str(name)):
                names.add(name)
    return names


def choose_free_names(base: str, count: int, taken: set[str]) -> list[str]:
    """`count` new names for splitting `base`: `base_1..base_n`, or, when one of those is
    taken, the first free series of `base_a1..base_an`, `base_b1..`, ..., then `base_1_1..`."""
    if count < 1:
        raise ValueError("count must be at least 1")
    lettered = (f"{base}_{letter}" for letter in ("", *ascii_lowercase))
    numbered = (f"{base}_{number}_" for number in numbers(1))
    for prefix in chain(lettered, numbered):
        names = [f"{prefix}{index}" for index in range(1, count + 1)]
        if taken.isdisjoint(names):
            return names
    raise AssertionError("unreachable: the numbered series is endless")
