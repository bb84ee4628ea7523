"""What a module does with the instances of its classes: trains them, saves them, reads their
variables. A rule whose misbehaviour only shows when a layer is trained or saved (LL202: a
tf.Variable Keras 3 neither trains nor saves) needs that evidence before it says "error".

Read per top-level block (cached by its text), without running anything: in module code and in
each top-level function, a name holds the classes constructed in the expression assigned to it
and what the names read there hold (`x = Block()(inputs)`, `model = keras.Model(inputs, x)`);
a function's `return` holds the same, and a call of it holds what it returns. A name then meets
its fate through `.fit()`/`.compile()`/`.train_on_batch()` ("trained"), `.save()`/
`.save_weights()`/`tf.train.Checkpoint(model=...)` ("saved"), or `.variables`/`.weights`/
`.trainable_variables`/`.get_weights()`/`.count_params()`/`.summary()` ("variables"). A class held
as a sublayer by another class (its `self.x = Block()`) shares that class's fate; the rule
follows that through the class models.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Iterable

_TRAINED = {"fit", "fit_generator", "train_on_batch", "compile"}
_SAVED = {"save", "save_weights", "export"}
_VARIABLES = {"variables", "trainable_variables", "non_trainable_variables", "weights",
              "trainable_weights", "non_trainable_weights", "get_weights", "count_params",
              "summary"}
_CACHE_SIZE = 4096

_cache: OrderedDict[str, tuple] = OrderedDict()


def block_summary(text: str, tree: ast.Module) -> tuple:
    """((function, what its returns hold), ...) and ((held names, fate), ...) of one block,
    cached by its text; `module_fates` resolves them across the module's blocks."""
    cached = _cache.get(text)
    if cached is None:
        cached = _summarise(tree)
        _cache[text] = cached
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return cached


def module_fates(summaries: Iterable[tuple]) -> dict[str, frozenset[str]]:
    """Class name -> what the module does with its instances (module code and functions).
    Module-level code is one scope across blocks (`layer = Scale()` in one block,
    `layer.fit(...)` in another), so its names are resolved here."""
    summaries = list(summaries)
    returns: dict[str, set[str]] = {}
    assignments: list[tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = []
    pending: list[tuple[frozenset[str], frozenset[str], str]] = []
    for function_returns, block_assignments, block_fates in summaries:
        for name, held in function_returns:
            returns.setdefault(name, set()).update(held)
        assignments.extend(block_assignments)
        pending.extend(block_fates)
    holdings = _resolve(assignments)
    fates: dict[str, set[str]] = {}
    for direct, reads, fate in pending:
        held = set(direct).union(*(holdings.get(name, set()) for name in reads))
        for name in _expand(held, returns):
            fates.setdefault(name, set()).add(fate)
    return {name: frozenset(found) for name, found in fates.items()}


def _expand(held: set[str], returns: dict[str, set[str]]) -> set[str]:
    """Class names held, with calls of module functions replaced by what they return."""
    result: set[str] = set()
    pending = list(held)
    while pending:
        name = pending.pop()
        if name in result:
            continue
        result.add(name)
        pending.extend(returns.get(name, ()))
    return result


def _summarise(tree: ast.Module) -> tuple:
    function_returns: list[tuple[str, tuple[str, ...]]] = []
    fates: list[tuple[frozenset[str], frozenset[str], str]] = []
    module_statements = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assignments, scope_fates, returned = _read_scope(statement.body)
            holdings = _resolve(assignments)
            function_returns.append((statement.name, tuple(sorted(_flat(returned, holdings)))))
            fates.extend((frozenset(set(direct).union(*(holdings.get(n, set()) for n in reads))),
                          frozenset(), fate) for direct, reads, fate in scope_fates)
        elif not isinstance(statement, ast.ClassDef):
            module_statements.append(statement)
    module_assignments: tuple = ()
    if module_statements:
        assignments, scope_fates, _ = _read_scope(module_statements)
        module_assignments = tuple(assignments)
        fates.extend(scope_fates)
    return tuple(function_returns), module_assignments, tuple(fates)


def _flat(returned: list[tuple[frozenset[str], frozenset[str]]],
          holdings: dict[str, set[str]]) -> set[str]:
    result: set[str] = set()
    for direct, reads in returned:
        result |= set(direct).union(*(holdings.get(name, set()) for name in reads))
    return result


def _read_scope(statements: list[ast.stmt]) -> tuple[list, list, list]:
    """Assignments (targets, called names, read names), fates (called, read, fate) and returns
    (called, read) of a scope, unresolved."""
    assignments: list[tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = []
    fates: list[tuple[frozenset[str], frozenset[str], str]] = []
    returned: list[tuple[frozenset[str], frozenset[str]]] = []
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign):
                targets = tuple(name.id for target in node.targets for name in ast.walk(target)
                                if isinstance(name, ast.Name))
                assignments.append((targets, *_parts(node.value)))
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                if isinstance(node.target, ast.Name):
                    assignments.append(((node.target.id,), *_parts(node.value)))
            elif isinstance(node, ast.Return) and node.value is not None:
                returned.append(_parts(node.value))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Call)):
                fate = ("trained" if node.attr in _TRAINED else "saved" if node.attr in _SAVED
                        else "variables" if node.attr in _VARIABLES else None)
                if fate is not None:
                    fates.append((*_parts(node.value), fate))
            elif isinstance(node, ast.Call) and _name(node.func).endswith("Checkpoint"):
                for keyword in node.keywords:
                    fates.append((*_parts(keyword.value), "saved"))
    return assignments, fates, returned


def _resolve(
    assignments: list[tuple[tuple[str, ...], frozenset[str], frozenset[str]]],
) -> dict[str, set[str]]:
    """Name -> what it holds, flow-insensitive: what any assignment to it holds."""
    holdings: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for targets, direct, reads in assignments:
            held = set(direct).union(*(holdings.get(name, set()) for name in reads))
            for target in targets:
                known = holdings.setdefault(target, set())
                if not held <= known:
                    known.update(held)
                    changed = True
    return holdings


def _parts(node: ast.expr) -> tuple[frozenset[str], frozenset[str]]:
    """(names called in `node`, names it reads)."""
    called, reads = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            name = _name(child.func)
            if name:
                called.add(name)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            reads.add(child.id)
    return frozenset(called), frozenset(reads)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
