"""Values derived from one parsed tree, kept as long as the tree lives.

An unchanged block keeps its tree object from one keystroke to the next (`document_state`), so
what a module-wide pass reads out of a block (its imports, classes, definitions, save evidence)
can be remembered on the tree and read back without a cache key: the pass then costs a lookup
per unchanged block and real work only for the blocks that changed. Each pass keeps its own
entry under its own name; the entries die with the tree. The memo is an attribute of the tree
(`ast.dump`, `ast.unparse` and the rules never read it): reading it is the cheapest lookup there
is, and it needs no table that could outlive the tree.
"""

from __future__ import annotations

import ast
from typing import Any

_ATTRIBUTE = "_layerlint_memo"
_generation = [0]
"""Bumped by `clear()`: a memo of an older generation is stale."""


def memo(tree: ast.AST) -> dict[str, Any]:
    """The mutable memo of `tree` (a new empty one the first time, or after `clear()`)."""
    found = getattr(tree, _ATTRIBUTE, None)
    if found is None or found.get("") != _generation[0]:
        found = {"": _generation[0]}
        setattr(tree, _ATTRIBUTE, found)
    return found


def generation() -> int:
    """The current generation (what `clear()` changes)."""
    return _generation[0]


def clear() -> None:
    """Forget every memo (lazily: each is dropped when next asked for)."""
    _generation[0] += 1


__all__ = ["clear", "generation", "memo"]
