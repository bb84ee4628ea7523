"""What a program does with its models: which are serialized, reloaded, moved, saved,
trained or inspected.

The custom-layer and torch rules need evidence that a class's misbehaviour is reachable: a
layer without `get_config()` only fails when a model holding it is serialized (LL201), an
unregistered class only when a file holding it is loaded back (LL207), a plain tensor attribute
only when its module is moved, cast or saved (LL302). This module reads that evidence from the
code, without running anything:

- which objects flow into which model: a light taint analysis per scope (module code, each
  function and method) over variables; an expression holds the custom classes constructed in
  it and what the names it reads hold (`x = Block()(inp)`, `model = keras.Model(inp, x)`);
  rebinding replaces (`model = Custom(); model = Sequential(...)` holds no Custom), the arms of
  an `if` are merged; a class holds what its methods construct; a call of a module function
  returns what its `return`s hold, and a function's parameters hold what its callers pass;
- what happens to a model: `.save()`/`save_model()` with the file format read from the path
  (`.keras`/`.h5`: a Keras file; no extension or `save_format="tf"`: a SavedModel, which calls
  no `get_config()`; another extension: not a model), `get_config()`, `to_json()`,
  `clone_model()`, a `ModelCheckpoint` (not `save_weights_only`) given to `fit`; `load_model`
  with its `custom_objects` and `compile=False`; torch moves (`.to("cuda")`, `.cuda()`) and
  casts (`.half()`, `.to(torch.float64)`), `state_dict()` (`torch.save(model, path)` pickles
  the whole module and is none of these). `tf.train.Checkpoint(...).save`, weights-only
  saves, `export()` and `tf.saved_model.save` are not serializations of the model's config;
  uses inside `assertRaises`/`pytest.raises` blocks are marked as expected to fail;
- what happens to a model's weights (LL202: a tf.Variable Keras 3 neither trains nor saves):
  `fit()`/`compile()`/`train_on_batch()` ("train"); a save that writes the weights but not
  the config: `save_weights()`, `export()`, a `.save()` to a SavedModel or another extension,
  `tf.train.Checkpoint(model=...)` ("store"); `.variables`/`.weights`/`.get_weights()`/
  `.count_params()`/`.summary()` ("inspect"). Only whether they happen matters, not where.

A key is a class or function name of the module, or the qualified name of one imported from
another module of the project (`.blocks.Block`). Results of class and function definitions are
cached by their text, so a keystroke in one class re-reads that class only.

This module owns the program: which scopes there are (module code as one scope across blocks
or cells, each function, each class's methods), their cache, and the resolution of what one
scope cannot know (what a function returns, what its callers pass, what module code binds to a
global) into the classes each use's model holds. Reading one scope is `scope_uses`'s job; the
data (`Use`, `Evidence`) is `model_uses`'s.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from layerlint.analysis import tree_memo
from layerlint.analysis.caches import small_id
from layerlint.analysis.definition_names import mentioned_names, projected
from layerlint.analysis.frozen_copy import with_fields
from layerlint.analysis.imports import ImportTable
from layerlint.analysis.model_uses import (
    EMPTY,
    SERIALIZING,
    TORCH_KINDS,
    WEIGHT_KINDS,
    WEIGHT_ONLY,
    Evidence,
    Use,
    elsewhere,
    same_file,
    use_span,
)
from layerlint.analysis.scope_uses import INSPECTING, Reader, Scope
from layerlint.analysis.walk import walk
from layerlint.syntax.bare_names import named_attributes

_CACHE_SIZE = 2048


# -- the program ----------------------------------------------------------------------------
_scope_cache: OrderedDict[tuple, tuple[Scope, frozenset[str]]] = OrderedDict()
_MARKERS = (".save(", "save_model(", "get_config(", "to_json(", "to_yaml(", "clone_model(",
            "ModelCheckpoint", "load_model(", "custom_object", ".compile(", ".fit(", ".to(",
            "save_weights(", ".export(", "train_on_batch(", "Checkpoint(",
            ".cuda(", ".half(", ".double(", ".float(", ".bfloat16(", ".type(", "state_dict",
            "DataParallel", "prepare(")


_marked: dict[str, bool] = {}
"""Definition text -> whether it mentions one of `_MARKERS` (asked of every definition on
every keystroke; the answer for an unchanged text is the same)."""


def _mentions_marker(text: str) -> bool:
    marked = _marked.get(text)
    if marked is None:
        if len(_marked) > 4 * _CACHE_SIZE:
            _marked.clear()
        marked = _marked[text] = any(marker in text for marker in _MARKERS)
    return marked


def _remember(key: tuple, value):
    _scope_cache[key] = value
    if len(_scope_cache) > _CACHE_SIZE:
        _scope_cache.popitem(last=False)
    return value


def evidence(
    parts: list[tuple[ast.Module, int, str]], imports: ImportTable, torch_classes: frozenset[str],
    read_all: bool = False,
) -> Evidence:
    """Evidence of a program given as parsed parts (tree, line offset, source text of the
    part); the parts' module-level statements run in order as one program. `torch_classes`:
    the keys that are torch modules ("*": all of them, for a module that uses torch only).
    `read_all`: read the methods of every class, not only of those whose part mentions a save,
    a move or a compile (as when the whole file is one part that mentions one).

    What a part contributes is remembered on its tree (`tree_memo`): an unchanged block costs
    a lookup, and only the changed ones are read again."""
    placed = [(_part(tree, text), offset) for tree, offset, text in parts]
    return program(placed, imports, torch_classes, read_all).result


@dataclass(eq=False)
class Program:
    """What `program` combined from its parts, kept so that the next version of a document
    can be patched where its edit changed definitions only (`patched`)."""

    imports: ImportTable
    torch_classes: frozenset[str]
    read_all: bool
    names: _Names
    counts: list[int]
    """Definitions of each placed item (0 for a block that does not parse)."""
    scopes: list[tuple[Scope, int]]
    """Each definition's scope and line offset, in order, then the module code's."""
    returns: dict[str, set[str]]
    contains: dict[str, AbstractSet[str]]
    repeated: frozenset[str]
    """Names of more than one definition."""
    result: Evidence
    code_end: int = 0
    """1 + the index of the last placed item with module code (0: none has any)."""


def program(
    placed: Sequence[tuple[Part, int] | None], imports: ImportTable, torch_classes: frozenset[str],
    read_all: bool = False,
) -> Program:
    """`evidence` of parts already read (`part` of each, with its line offset; None: a block
    that does not parse), with what `patched` needs to patch it for the next version of the document."""
    names = _program_names([item[0].names for item in placed if item is not None], imports,
                           torch_classes)
    scopes: list[tuple[Scope, int]] = []
    returns: dict[str, set[str]] = {}
    contains: dict[str, AbstractSet[str]] = {}
    counts: list[int] = []
    defined: set[str] = set()
    repeated: set[str] = set()
    differences: dict[int, frozenset[str] | None] = {}
    for item in placed:
        if item is None:
            counts.append(0)
            continue
        part, offset = item
        counts.append(len(part.definitions))
        read = _part_scopes(part, names, imports, read_all, differences)
        for definition, (scope, held) in zip(part.definitions, read):
            scopes.append((scope, offset))
            if definition.name in defined:
                repeated.add(definition.name)
            defined.add(definition.name)
            if isinstance(definition, ast.ClassDef):
                contains[definition.name] = held
            else:  # a notebook may define a function twice: a call may reach either
                returns.setdefault(definition.name, set()).update(scope.returns)
    module_scope, code_end = _module_code(placed, names, imports, torch_classes)
    scopes.append((module_scope, 0))
    result = _resolved_evidence(names, scopes, returns, contains)
    return Program(imports, torch_classes, read_all, names, counts, scopes, returns, contains,
                   frozenset(repeated), result, code_end)


def _module_code(placed: Sequence[tuple[Part, int] | None], names: _Names, imports: ImportTable,
                 torch_classes: frozenset[str]) -> tuple[Scope, int]:
    """The scope of the module's own code (its statements outside definitions, read in order,
    lines absolute), and 1 + the index of the last placed item that has some (0: none)."""
    reader = Reader(imports, names.classes, names.functions, torch_classes, "<module>", 0)
    env: dict[str, frozenset[str]] = {}
    code_end = 0
    for index, item in enumerate(placed):
        if item is not None and item[0].statements:
            part, offset = item
            code_end = index + 1
            reader.offset = offset
            for statement in part.statements:
                env = reader.statement(statement, env)
    return reader.result, code_end


def patched(
    kept: Program, span: tuple[int, int], old_span: list[Part | None],
    new_span: list[tuple[Part, int] | None], line_delta: int, imports: ImportTable,
    torch_classes: frozenset[str], parts: Sequence[Part | None] | None = None,
    placed: Callable[[], Sequence[tuple[Part, int] | None]] | None = None,
) -> Program | None:
    """`kept` (the previous version's program) with the definitions of the changed blocks
    read again: the previous version's parts `span[0]` up to `span[1]` (`old_span`) became
    `new_span` (placed at their line offsets); the definitions below move `line_delta` lines.
    `parts`: every part of the new version (None for a block that does not parse), given when
    the edit may change the program's names (a paste, a deletion, a rename): the definitions
    elsewhere that mention a name whose meaning changed are read again (`_reread_elsewhere`).
    `placed`: every part of the new version at its line offset, given where the module's own
    code may lie below a change that moves lines (its scope's lines are absolute: it is read
    again, `_module_code`). None where the edit reaches further (module code in the changed
    blocks, or below them when they moved and `placed` is not given, module code that mentions
    a name that changed, a name defined twice, the program's names without `parts`): combine
    again with `program`."""
    first, old_end = span
    module_moved = bool(line_delta) and kept.code_end > first
    if kept.read_all or kept.imports is not imports or (module_moved and placed is None):
        return None
    old_parts = [part for part in old_span if part is not None]
    new_parts = [item for item in new_span if item is not None]
    if any(part.statements for part in old_parts) or any(
            part.statements for part, _ in new_parts):
        return None
    if any(definition.name in kept.repeated for part, _ in new_parts
           for definition in part.definitions):
        return None
    names, changed = kept.names, None
    returns, contains = dict(kept.returns), dict(kept.contains)
    if kept.torch_classes != torch_classes or [part.names for part in old_parts] != [
            part.names for part, _ in new_parts]:
        renamed = _renamed_names(kept, parts, imports, torch_classes)
        if renamed is None:
            return None
        names, changed = renamed
        for part in old_parts:  # no name is defined twice: the new definitions come below
            for definition in part.definitions:
                (contains if isinstance(definition, ast.ClassDef) else returns).pop(
                    definition.name, None)
    start = sum(kept.counts[:first])
    entries: list[tuple[Scope, int]] = []
    for part, offset in new_parts:
        read = _part_scopes(part, names, imports, False, {})
        for definition, (scope, held) in zip(part.definitions, read):
            entries.append((scope, offset))
            if isinstance(definition, ast.ClassDef):
                contains[definition.name] = held
            else:
                returns[definition.name] = set(scope.returns)
    below = kept.scopes[start + sum(kept.counts[first:old_end]):]
    if line_delta:  # the definitions below, moved (the module code's scope, last, is above)
        below = [(scope, offset + line_delta) for scope, offset in below[:-1]] + below[-1:]
    scopes = kept.scopes[:start] + entries + below
    counts = kept.counts[:first] + [0 if item is None else len(item[0].definitions)
                                    for item in new_span] + kept.counts[old_end:]
    if changed is not None:
        assert parts is not None
        span_end = first + len(new_span)
        if sum(counts) != len(names.classes | names.functions.keys()) or not _reread_elsewhere(
                kept.names, names, changed, parts, (first, span_end), counts, scopes, imports,
                returns, contains):
            return None  # a name defined twice, or a part read for another program
    # No module code in the changed blocks: the last block with some is above them or moved.
    code_end = kept.code_end if kept.code_end <= first else (
        kept.code_end + len(new_span) - (old_end - first))
    if module_moved:
        assert placed is not None
        module_scope, code_end = _module_code(placed(), names, imports, torch_classes)
        scopes[-1] = (module_scope, 0)
    result = _resolved_evidence(names, scopes, returns, contains)
    return Program(imports, torch_classes, False, names, counts, scopes, returns, contains,
                   kept.repeated, result, code_end)


def _renamed_names(kept: Program, parts: Sequence[Part | None] | None, imports: ImportTable,
                   torch_classes: frozenset[str]) -> tuple[_Names, frozenset[str]] | None:
    """The new version's program names and the names whose meaning changed, where `patched`
    can follow the change (None: combine again): the previous program defined no name twice,
    no torch class of another file came or went, and no module code mentions a changed name
    (its scope, read with the program's names, is kept)."""
    if parts is None or kept.repeated:
        return None
    names = _program_names([part.names for part in parts if part is not None], imports,
                           torch_classes)
    changed = _changed_names(kept.names, names)
    if changed is None:
        return None
    for part in parts:
        if part is not None and part.statements and any(
                not mentioned_names(statement, part.text).isdisjoint(changed)
                for statement in part.statements):
            return None
    return names, changed


def _reread_elsewhere(
    previous: _Names, names: _Names, changed: frozenset[str], parts: Sequence[Part | None],
    span: tuple[int, int], counts: list[int], scopes: list[tuple[Scope, int]],
    imports: ImportTable, returns: dict[str, set[str]], contains: dict[str, AbstractSet[str]],
) -> bool:
    """After a change of the program's names, the definitions outside the changed `span` of
    parts that mention a name whose meaning `changed`, read again in place in `scopes` (their
    line offsets kept), with what they return and contain; the others keep their scopes, now
    for `names` (what `_part_scopes` does for each part in `program`). False where a part was
    last read for another program than `previous` (the caller combines again)."""
    differences: dict[int, frozenset[str] | None] = {id(previous): changed}
    at = 0
    for index, part in enumerate(parts):
        count = counts[index]
        if part is None or span[0] <= index < span[1] or not part.definitions:
            at += count
            continue
        if part.program is not previous:
            return False
        if part.mentioned is not None and part.mentioned.isdisjoint(changed):
            part.program = names  # as `_part_scopes` keeps it, without the call per part
            at += count
            continue
        read = _part_scopes(part, names, imports, False, differences)
        for offset, (definition, (scope, held)) in enumerate(zip(part.definitions, read)):
            if scopes[at + offset][0] is scope:
                continue
            scopes[at + offset] = (scope, scopes[at + offset][1])
            if isinstance(definition, ast.ClassDef):
                contains[definition.name] = held
            else:
                returns[definition.name] = set(scope.returns)
        at += count
    return True


def _resolved_evidence(names: _Names, scopes: list[tuple[Scope, int]],
                       returns: dict[str, set[str]],
                       contains: dict[str, AbstractSet[str]]) -> Evidence:
    # Most edits leave every scope as it was (a comment, a class that stops parsing while it
    # is typed and comes back): the resolution of the same scopes is the same evidence.
    resolve_key = (names.names_id, scopes, returns, contains)
    for index, (kept_key, result) in enumerate(_resolved):
        if kept_key == resolve_key:
            _resolved.insert(0, _resolved.pop(index))
            return result
    result = _resolve(scopes, returns, contains)
    _resolved.insert(0, (resolve_key, result))
    del _resolved[_RESOLVED_KEPT:]
    return result


@dataclass(eq=False)
class Part:
    """What one part (a block's tree) contributes to the program, read once per tree."""

    text: str
    """The text it was read from (a cache key for its definitions' scopes)."""
    names: tuple
    """(class names, (function, parameters) pairs, (name, module strings) pairs), in order."""
    definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]
    statements: list[ast.stmt]
    """The rest: module code."""
    read: bool
    """Whether the part's text mentions a save, a move or a compile (`_MARKERS`)."""
    mentioned: frozenset[str] | None = None
    """Every name its definitions mention (`mentioned_names`), once asked."""
    program: _Names | None = None
    """The program names its `scopes` were read with."""
    scopes: list[tuple[Scope, frozenset[str]]] = field(default_factory=list)
    program_all: _Names | None = None
    """The same for a program that reads every class's methods (`read_all`: a project file's
    evidence, which may share this part's tree with the file's own analysis in the same
    process), kept apart so that the two never make each other read every definition again."""
    scopes_all: list[tuple[Scope, frozenset[str]]] = field(default_factory=list)


@dataclass(eq=False)
class _Names:
    """The module-level names of one program (what each definition's reading may consult)."""

    per_part: list[tuple]
    imports_key: tuple
    torch_classes: frozenset[str]
    classes: frozenset[str]
    functions: dict[str, list[str]]
    module_strings: dict[str, tuple[str, ...]]
    names_id: int


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def part(tree: ast.Module, text: str) -> Part:
    """What one part (a block's tree and text) contributes to a program (`program`)."""
    return _part(tree, text)


def _part(tree: ast.Module, text: str) -> Part:
    remembered = tree_memo.memo(tree)
    part = remembered.get("evidence")
    # One part per tree: a tree is the parse of one text, or of the texts an edit of a
    # comment without a marker gave it (`comment_edit`), which read the same.
    if part is not None:
        return part
    definitions = [stmt for stmt in tree.body if isinstance(stmt, _DEFINITIONS)]
    statements = [stmt for stmt in tree.body
                  if not isinstance(stmt, _DEFINITIONS) and not _reads_nothing(stmt)]
    names = (
        tuple(stmt.name for stmt in definitions if isinstance(stmt, ast.ClassDef)),
        tuple((stmt.name, tuple(a.arg for a in [*stmt.args.posonlyargs, *stmt.args.args,
                                                *stmt.args.kwonlyargs]))
              for stmt in definitions if not isinstance(stmt, ast.ClassDef)),
        tuple(_module_strings([(stmt, 0, text) for stmt in statements]).items()),
    )
    part = remembered["evidence"] = Part(text, names, definitions, statements,
                                          _mentions_marker(text))
    return part


def _reads_nothing(statement: ast.stmt) -> bool:
    """A statement that only names something without reading a model's weights
    (`syntax.bare_names`: a docstring, a half-typed `model.fi` in a script; not
    `model.weights`): the module's reader records no use for it and binds nothing, so it is no
    module code (a key that leaves one patches the program)."""
    attributes = named_attributes(statement)
    return attributes is not None and INSPECTING.isdisjoint(attributes)


_recent_names: list[_Names] = []
_NAMES_KEPT = 8


def _program_names(per_part: list[tuple], imports: ImportTable,
                   torch_classes: frozenset[str]) -> _Names:
    """The program's names from its parts' own, the same object while they stay equal."""
    imports_key = tuple(sorted(imports.items()))
    for index, names in enumerate(_recent_names):
        if (names.per_part == per_part and names.imports_key == imports_key
                and names.torch_classes == torch_classes):
            if index:
                _recent_names.insert(0, _recent_names.pop(index))
            return names
    classes = frozenset(name for own, _, _ in per_part for name in own)
    functions = {name: list(parameters) for _, defined, _ in per_part
                 for name, parameters in defined}
    module_strings = {name: strings for _, _, assigned in per_part for name, strings in assigned}
    names_key = (classes, tuple(sorted((k, tuple(v)) for k, v in functions.items())),
                 imports_key, torch_classes, tuple(sorted(module_strings.items())))
    names = _Names(per_part, imports_key, torch_classes, classes, functions, module_strings,
                   small_id(names_key))
    _recent_names.insert(0, names)
    del _recent_names[_NAMES_KEPT:]
    return names


def _part_scopes(part: Part, names: _Names, imports: ImportTable, read_all: bool,
                 differences: dict[int, frozenset[str] | None]) -> list[tuple[Scope, frozenset[str]]]:
    """The scopes of the part's definitions under the program's `names`: those read last time
    (for a program of the same `read_all`) when no name they mention changed meaning since (a
    class pasted or deleted elsewhere), else read again (through the scope cache)."""
    previous, scopes = (part.program_all, part.scopes_all) if read_all else (
        part.program, part.scopes)
    if previous is names:
        return scopes
    if previous is not None:
        changed = differences.get(id(previous), ...)
        if changed is ...:
            changed = differences[id(previous)] = _changed_names(previous, names)
        if changed is not None:
            if part.mentioned is None:
                part.mentioned = frozenset().union(
                    *(mentioned_names(statement, part.text) for statement in part.definitions))
            if part.mentioned.isdisjoint(changed):
                _keep_scopes(part, read_all, names, scopes)
                return scopes
    read = read_all or part.read
    scopes = [_definition_scope(statement, part.text, names, imports, read)
              for statement in part.definitions]
    _keep_scopes(part, read_all, names, scopes)
    return scopes


def _keep_scopes(part: Part, read_all: bool, names: _Names,
                 scopes: list[tuple[Scope, frozenset[str]]]) -> None:
    if read_all:
        part.program_all, part.scopes_all = names, scopes
    else:
        part.program, part.scopes = names, scopes


def _changed_names(old: _Names, new: _Names) -> frozenset[str] | None:
    """The names whose meaning differs between two programs' names (None: the torch classes
    of other files changed, which every definition may observe)."""
    torch = old.torch_classes ^ new.torch_classes
    if any("." in key or key == "*" for key in torch):
        return None
    changed = set(torch) | (old.classes ^ new.classes)
    changed.update(name for name, _ in set(old.imports_key) ^ set(new.imports_key))
    for before, after in ((old.functions, new.functions),
                          (old.module_strings, new.module_strings)):
        changed.update(name for name in before.keys() | after.keys()
                       if before.get(name) != after.get(name))
    return frozenset(changed)


def _definition_scope(statement: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, text: str,
                      names: _Names, imports: ImportTable,
                      read: bool) -> tuple[Scope, frozenset[str]]:
    """One definition's scope, cached with block-relative lines (so an edit above a class does
    not re-read it) by its text and the program's names."""
    key = (text, statement.lineno, names.names_id, read)
    cached = _scope_cache.get(key)
    if cached is not None:
        _scope_cache.move_to_end(key)
        return cached
    # A class pasted or deleted elsewhere changes `names_id`: read again only the
    # definitions that mention a name whose meaning changed.
    seen = projected(mentioned_names(statement, text), names.classes, names.functions, imports,
                     names.torch_classes, names.module_strings)
    cached = _scope_cache.get((text, statement.lineno, seen, read))
    if cached is not None:
        _scope_cache.move_to_end((text, statement.lineno, seen, read))
    else:
        cached = _remember(
            (text, statement.lineno, seen, read),
            _definition(statement, imports, names.classes, names.functions,
                        names.torch_classes, 0, names.module_strings, read))
    return _remember(key, cached)


_RESOLVED_KEPT = 8
_resolved: list[tuple[tuple, Evidence]] = []
"""The latest resolutions, most recent first, compared by value (scopes are not hashable)."""


def _module_strings(statements: list[tuple[ast.stmt, int, str]]) -> dict[str, tuple[str, ...]]:
    """String constants in the values of module-level `NAME = ...` assignments."""
    found: dict[str, tuple[str, ...]] = {}
    for statement, _, _ in statements:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            strings = tuple(node.value for node in ast.walk(statement.value)
                            if isinstance(node, ast.Constant) and isinstance(node.value, str))
            if strings:
                found[statement.targets[0].id] = strings
    return found


def _definition(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, imports: ImportTable,
    classes: frozenset[str], functions: dict[str, list[str]], torch_classes: frozenset[str],
    offset: int, module_strings: dict[str, tuple[str, ...]], read_methods: bool = True,
) -> tuple[Scope, frozenset[str]]:
    """A function's scope, or a class's methods as one scope and what the class constructs.
    `read_methods`: False when the class's text mentions no save, move or compile (its
    methods then have nothing to say; what it constructs still counts)."""
    if isinstance(node, ast.ClassDef):
        merged = Scope()
        held: set[str] = {base for base in (b.id for b in node.bases if isinstance(b, ast.Name))
                          if base in classes}
        for member in node.body if read_methods else ():
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = _function_scope(member, imports, classes, functions, torch_classes,
                                        offset, f"{node.name}.{member.name}", False, module_strings)
                _merge(merged, scope)
        reader = Reader(imports, classes, functions, torch_classes, "", 0)
        for child in walk(node):
            if type(child) is ast.Call:  # the parser makes no subclasses of node types
                key = reader.key(child.func)
                if key is not None and key != node.name:
                    held.add(key if key not in functions else f"@ret:{key}")
        return merged, frozenset(held)
    return _function_scope(node, imports, classes, functions, torch_classes, offset, node.name,
                           True, module_strings), frozenset()


def _function_scope(
    node: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportTable, classes: frozenset[str],
    functions: dict[str, list[str]], torch_classes: frozenset[str], offset: int, name: str,
    with_parameters: bool, module_strings: dict[str, tuple[str, ...]],
) -> Scope:
    reader = Reader(imports, classes, functions, torch_classes, name, offset)
    reader.module_strings = module_strings
    env: dict[str, frozenset[str]] = {}
    if with_parameters:
        reader.parameters = frozenset(functions.get(node.name, []))
        for parameter in functions.get(node.name, []):
            env[parameter] = frozenset({f"@arg:{node.name}:{parameter}"})
        reader.inner_functions = frozenset(
            id(statement) for statement in node.body
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)))
    reader.local_names = _local_names(node) | classes | frozenset(functions) | frozenset(imports)
    reader.run(node.body, env)
    return reader.result


_BINDING_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                  ast.Global, ast.arg)
_BINDING_TYPES = frozenset(_BINDING_NODES)


def _local_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names a function binds itself (parameters, assignments, nested definitions,
    imports), less those it declares `global`."""
    arguments = node.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                             *filter(None, [arguments.vararg, arguments.kwarg])]}
    declared: set[str] = set()
    for child in walk(node):  # ast.walk without generators (and cached)
        if type(child) is ast.Name:  # the parser makes no subclasses of node types
            if type(child.ctx) is not ast.Load:
                names.add(child.id)
        elif type(child) not in _BINDING_TYPES:
            continue
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
        elif isinstance(child, ast.Global):
            declared.update(child.names)
        elif isinstance(child, ast.arg):
            names.add(child.arg)  # a nested function's or lambda's parameter
    return frozenset(names - declared)


def _merge(into: Scope, scope: Scope) -> None:
    into.uses.extend(scope.uses)
    into.reloads.extend(scope.reloads)
    for key, held in scope.arguments.items():
        into.arguments.setdefault(key, set()).update(held)
    for key, formats in scope.path_arguments.items():
        into.path_arguments.setdefault(key, []).extend(formats)
    for key, spans in scope.constructions.items():
        into.constructions.setdefault(key, []).extend(spans)
    if into.covered is not None:
        into.covered = None if scope.covered is None else into.covered | scope.covered


def _resolve(placed: list[tuple[Scope, int]], returns: dict[str, set[str]],
             contains: dict[str, AbstractSet[str]]) -> Evidence:
    """Markers resolved, and the scopes' uses placed at their lines (scope, line offset)."""
    arguments: dict[str, set[str]] = {}
    bound: dict[str, set[str]] = {}
    path_formats: dict[str, list[str]] = {}
    covered: set[str] | None = set()
    for scope, _ in placed:
        for key, formats in scope.path_arguments.items():
            path_formats.setdefault(key, []).extend(formats)
        for key, held in scope.arguments.items():
            arguments.setdefault(key, set()).update(held)
        for key, held in scope.bound.items():
            bound.setdefault(key, set()).update(held)
        if covered is not None:
            covered = None if scope.covered is None else covered | scope.covered
    memo: dict[tuple[str, bool], frozenset[str]] = {}

    def expand(key: str, seen: frozenset[str], deep: bool) -> frozenset[str]:
        if (key, deep) in memo:
            return memo[key, deep]
        if key in seen:
            return frozenset()
        seen = seen | {key}
        if key.startswith("@ret:"):
            inner: AbstractSet[str] = returns.get(key[5:], set())
            out: set[str] = set()
        elif key.startswith("@arg:"):
            inner = arguments.get(key[5:], set())
            out = set()
        elif key.startswith("@global:"):
            inner = bound.get(key[8:], set())
            out = set()
        else:
            inner = contains.get(key, frozenset()) if deep else frozenset()
            out = {key}
        for item in inner:
            out |= expand(item, seen, deep)
        result = frozenset(out)
        if not seen - {key}:
            memo[key, deep] = result
        return result

    def resolved(held: frozenset[str], deep: bool) -> frozenset[str]:
        out: set[str] = set()
        for key in held:
            out |= expand(key, frozenset(), deep)
        return frozenset(k for k in out if not k.startswith("@"))

    def file_format(use: Use) -> str:
        formats = path_formats.get(use.path_parameter, ()) if use.path_parameter else ()
        if not formats:
            return use.file_format
        if "file" in formats:
            return "file"
        return "maybe" if "maybe" in formats else "savedmodel"

    def kind(use: Use, file_format: str) -> str:
        """A save whose callers all pass SavedModel paths writes the weights only."""
        return "store" if use.kind == "save" and file_format == "savedmodel" else use.kind

    # Each use is copied once, placed at its scope's lines and resolved; a use that holds
    # nothing is left out.
    kept: list[Use] = []
    for scope, offset in placed:
        for use, holds in scope.uses:
            contained = resolved(holds, True)
            if not contained:
                continue
            fmt = file_format(use)
            column, end_line, end_column = use.columns
            kept.append(with_fields(use, line=use.line + offset,
                                    columns=(column, end_line + offset, end_column),
                                    held=resolved(holds, False), contained=contained,
                                    file_format=fmt, kind=kind(use, fmt)))
    uses = tuple(kept)
    constructions: dict[str, list[tuple[int, int, int, int]]] = {}
    if any(use.kind not in WEIGHT_ONLY for use in uses):  # read for saved classes only
        for scope, offset in placed:
            for key, spans in scope.constructions.items():
                constructions.setdefault(key, []).extend(
                    (line + offset, column, end + offset, end_column)
                    for line, column, end, end_column in spans)
    reloads = []
    for scope, offset in placed:
        for use in scope.reloads:
            column, end_line, end_column = use.columns
            reloads.append(with_fields(
                use, line=use.line + offset, columns=(column, end_line + offset, end_column),
                covered=None if covered is None or use.covered is None
                else use.covered | covered))
    return Evidence(
        uses, tuple(reloads),
        {key: tuple(sorted(spans)) for key, spans in constructions.items()},
        None if covered is None else frozenset(covered),
    )


__all__ = ["EMPTY", "SERIALIZING", "TORCH_KINDS", "WEIGHT_KINDS", "Evidence", "Part", "Program",
           "Use", "elsewhere", "evidence", "part", "patched", "program", "same_file", "use_span"]
