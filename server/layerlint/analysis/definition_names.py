"""Which module-level names one class or function definition can see, for cache keys.

Reading a definition's scope (`save_evidence`) consults the module's classes, functions (with
their parameters), imports, torch classes and string constants, but only for the names the
definition itself mentions. Keying the cached scope on that projection, instead of on every
name of the module, keeps it valid when a class elsewhere is pasted or deleted: only
definitions that mention the added or removed name are read again.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Mapping

from layerlint.analysis.walk import walk

_CACHE_SIZE = 4096
_mentioned: OrderedDict[tuple[str, int], frozenset[str]] = OrderedDict()


def mentioned_names(node: ast.AST, text: str) -> frozenset[str]:
    """Every name the definition reads or binds, and its string constants (a
    `custom_objects={"Block": Block}` key); cached by the block's text and the line."""
    key = (text, getattr(node, "lineno", 0))
    cached = _mentioned.get(key)
    if cached is not None:
        return cached
    names: set[str] = set()
    for child in walk(node):  # the remembered walk, shared with `referenced_names`
        if type(child) is ast.Name:  # the parser makes no subclasses of these (nor of `str`)
            names.add(child.id)
        elif type(child) is ast.Constant and type(child.value) is str:
            names.add(child.value)
    cached = frozenset(names)
    _mentioned[key] = cached
    if len(_mentioned) > _CACHE_SIZE:
        _mentioned.popitem(last=False)
    return cached


def projected(
    mentioned: frozenset[str], classes: frozenset[str], functions: Mapping[str, list[str]],
    imports: Mapping[str, str], torch_classes: frozenset[str],
    module_strings: Mapping[str, tuple[str, ...]],
) -> tuple:
    """The part of the module's names that a definition mentioning `mentioned` can observe.
    Torch keys of other files (dotted) are kept whole: they are reached through imports."""
    return (
        classes & mentioned,
        tuple(sorted((name, tuple(functions[name])) for name in mentioned if name in functions)),
        tuple(sorted((name, imports[name]) for name in mentioned if name in imports)),
        frozenset(key for key in torch_classes if key in mentioned or "." in key or key == "*"),
        tuple(sorted((name, module_strings[name]) for name in mentioned if name in module_strings)),
    )
