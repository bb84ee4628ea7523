"""Which classes a module's code refers to, and what they are.

The module's own classes (a class model per definition), the model classes of other workspace
files and installed packages that it imports (`workspace.resolve_external`), the framework each
class derives from, and the fingerprint of the classes a piece of code depends on (so cached
findings go stale when one of them changes). All of it is gathered once per analysis into a
`ModuleContext`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from layerlint.analysis import keras_target, tree_memo
from layerlint.analysis.block_versions import Change, since_parsed, spliced
from layerlint.analysis.caches import (
    candidate_cache,
    class_cache,
    reference_cache,
    remember,
    small_id,
)
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.imports import ImportTable, collect_imports
from layerlint.analysis.model_index import (
    ClassModel,
    build_class_model,
    referenced_names,
    remember_model,
    remembered_model,
)
from layerlint.analysis.save_evidence import EMPTY, Evidence
from layerlint.analysis.source import Block
from layerlint.analysis.workspace import resolve_external


@dataclass
class ModuleContext:
    """What one analysis knows about its module: imports, classes, frameworks, target."""

    imports: ImportTable
    imports_key: tuple
    keras_version: str | None
    """The version layer facts are read for (`KerasTarget.catalog_version`)."""
    classes: dict[str, ClassModel]
    class_blocks: dict[str, Block]
    frameworks: dict[str, str | None]
    references: dict[str, frozenset[str]]
    """Class name -> the local class names it mentions (bases, constructions)."""
    workspace_keys: dict[str, tuple] = field(default_factory=dict)
    """Class name -> identities of the workspace classes it uses (they change with their file)."""
    definitions: dict[int, tuple[ClassModel, str | None]] = field(default_factory=dict)
    """id(ClassDef) -> (its own model, its framework). A name defined twice in one file binds
    the last definition (`classes`), but each definition is analysed with its own body."""
    mentioned_names: set[str] | None = None
    """Every name a class of the module mentions (each class row's `mentioned`), and maybe
    more; None when unknown. The contexts of one document's versions share the set and only
    add to it (`_patched`, `_renamed`), so it holds each one's names: where no name that came
    or went is in it, no class has to be found again (`_renamed`)."""
    target: keras_target.KerasTarget = keras_target.UNKNOWN
    """The Keras the module targets; rules see it as `BlockFacts.keras_target`."""
    mixed_precision: bool = False
    """The module names a mixed dtype policy (`mixed_float16`): see `BlockFacts`."""
    evidence: Evidence = EMPTY
    path: str | None = None


def module_context(
    blocks: list[Block], keras_version: str | None, importer: Path | None = None,
    python: str | None = None,
) -> ModuleContext:
    """What the module's blocks define and import. What each block contributes is remembered
    on its tree (`tree_memo`): an unchanged block's classes keep their models without a cache
    key, unless the imports, the set of local class names or what they resolve to changed.
    For a new version of a document whose edit left the imports, the class names and what
    every class derives from as they were, the previous version's context is patched with the
    changed blocks' classes (`_patched`), and where only the class names changed, with the
    new classes in place of the old ones (`_renamed`), instead of being combined again. A
    class that parses again after keys that kept it broken patches the context of the version
    before it broke (`Change.since_parsed`: the same class names)."""
    parts = spliced(blocks, "context parts", _block_part_or_none, comment_blind=True)
    memo = getattr(blocks, "memo", None)
    if memo is None:
        return _combined(blocks, parts, keras_version, importer, python)[0]
    inputs = (keras_version, importer, python)
    change = blocks.change  # type: ignore[attr-defined]
    context = None
    if change is not None:
        since = since_parsed(blocks)
        if since is not None:
            # A class that parses again: the names are those before it broke.
            context = _patched_from(since, blocks, parts, inputs, importer, python)
            if context is not None:
                _forget_found_again(context[0], parts[since.first:since.new_end])
        if context is None:
            context = _patched_from(change, blocks, parts, inputs, importer, python)
        kept = change.previous.get("context")
        carried = change.previous.get("context parts")
        if context is None and kept is not None and kept[0] == inputs and carried is not None:
            # Class names changed (a paste, a deletion).
            context = _renamed(kept[1:], carried[change.first:change.old_end], blocks, parts,
                               change.first, change.new_end, bool(change.line_delta), importer,
                               python)
        if context is not None:
            memo["context"] = (inputs, *context)
            return context[0]
    context = _combined(blocks, parts, keras_version, importer, python)
    memo["context"] = (inputs, *context)
    return context[0]


def _patched_from(
    change: Change, blocks: list[Block], parts: list[_BlockPart | None], inputs: tuple,
    importer: Path | None, python: str | None,
) -> tuple[ModuleContext, tuple, dict, bool] | None:
    """The context of `change.previous`'s version patched with the changed blocks (`_patched`);
    None where that version kept no context for these inputs, or the change reaches further."""
    kept = change.previous.get("context")
    carried = change.previous.get("context parts")
    if kept is None or kept[0] != inputs or carried is None:
        return None
    first, new_end = change.first, change.new_end
    return _patched(kept[1:], carried[first:change.old_end],
                    list(zip(blocks[first:new_end], parts[first:new_end])),
                    (blocks[new_end:], parts[new_end:]) if change.line_delta else None,
                    importer, python)


def _forget_found_again(context: ModuleContext, span: list[_BlockPart | None]) -> None:
    """After a context was patched from the version before a class broke: the rows of the
    classes that mention it were found again without it while it was broken (`_renamed`), so
    what they hold is not what the context holds for them. They are looked up again when next
    asked (`_is_current`)."""
    names = {stmt.name for part in span if part is not None for stmt, _ in part.classes}
    for name, referenced in context.references.items():
        if referenced.isdisjoint(names):
            continue
        block = context.class_blocks.get(name)
        part = tree_memo.memo(block.tree).get("context") if block and block.tree else None
        for stmt, row in part.classes if part is not None else ():
            if stmt.name == name:
                row.inputs = None


def _patched(
    kept: tuple[ModuleContext, tuple, dict, bool],
    old_span: list[_BlockPart | None], new_span: list[tuple[Block, _BlockPart | None]],
    moved: tuple[list[Block], list[_BlockPart | None]] | None,
    importer: Path | None, python: str | None,
) -> tuple[ModuleContext, tuple, dict, bool] | None:
    """The previous version's context with the classes of the changed blocks replaced (and
    the `moved` blocks below them, with their parts, where the edit changed their lines);
    None where the change reaches further (imports, class names, bases or frameworks,
    classes of other files or names defined twice): combine again."""
    previous, current, own, simple = kept
    if not simple:
        return None
    old_classes = [stmt for part in old_span if part is not None for stmt, _ in part.classes]
    new_classes = [(block, stmt, row) for block, part in new_span if part is not None
                   for stmt, row in part.classes]
    if [stmt.name for stmt in old_classes] != [stmt.name for _, stmt, _ in new_classes] or any(
            part is not None and part.imports
            for part in (*old_span, *(part for _, part in new_span))):
        return None
    classes = dict(previous.classes)
    local_names = frozenset(previous.class_blocks)
    for block, stmt, row in new_classes:
        if not _is_current(row, current, local_names):
            _refresh(row, block, stmt, current, previous.imports, local_names, classes, {},
                     importer, python)
        if row.candidates or row.workspace:
            return None
    if not _same_bases(new_classes, previous.classes):
        return None
    class_blocks = dict(previous.class_blocks)
    references = dict(previous.references)
    workspace_keys = dict(previous.workspace_keys)
    definitions = dict(previous.definitions)
    for stmt in old_classes:
        del definitions[id(stmt)]
    for block, stmt, row in new_classes:
        name, model = stmt.name, row.model
        assert model is not None
        classes[name], class_blocks[name] = model, block
        references[name], workspace_keys[name] = row.referenced, row.workspace
        definitions[id(stmt)] = (model, _own_framework(model, own, classes, {}))
    if moved is not None:  # the same classes, on other lines
        for block, part in zip(*moved):
            if part is not None:
                for stmt, _ in part.classes:
                    class_blocks[stmt.name] = block
    context = _patched_context(previous, new_classes, classes, class_blocks, previous.frameworks,
                               references, workspace_keys, definitions)
    return context, current, own, simple


def _mentioned_by_none(context: ModuleContext, names: frozenset[str]) -> bool:
    """Whether no class of the context mentions one of `names` (known where its
    `mentioned_names` is)."""
    return context.mentioned_names is not None and context.mentioned_names.isdisjoint(names)


def _same_bases(rows: list[tuple[Block, ast.ClassDef, _ClassRow]],
                previous: dict[str, ClassModel]) -> bool:
    """Whether each class of `rows` that the previous version had (by name) kept its own
    framework and its bases."""
    for _, stmt, row in rows:
        earlier, model = previous.get(stmt.name), row.model
        if earlier is not None and (model is None or (model.framework, model.base_names) != (
                earlier.framework, earlier.base_names)):
            return False
    return True


def _patched_context(
    previous: ModuleContext, new_classes: list[tuple[Block, ast.ClassDef, _ClassRow]],
    classes: dict[str, ClassModel], class_blocks: dict[str, Block],
    frameworks: dict[str, str | None], references: dict[str, frozenset[str]],
    workspace_keys: dict[str, tuple], definitions: dict[int, tuple[ClassModel, str | None]],
) -> ModuleContext:
    """A patched version's context (`_patched`, `_renamed`): the previous one's imports and
    Keras version, these tables, and the names mentioned with the new classes' added."""
    return ModuleContext(previous.imports, previous.imports_key, previous.keras_version,
                         classes, class_blocks, frameworks, references, workspace_keys,
                         definitions,
                         _with_mentions(previous.mentioned_names,
                                        (row for _, _, row in new_classes)))


def _with_mentions(names: set[str] | None, rows: Iterable[_ClassRow]) -> set[str] | None:
    """The shared set of names mentioned (`ModuleContext.mentioned_names`) with those of
    `rows` added (a patch gives the classes new in its version: every other class's names
    went in with the version it came in); None where one is unknown."""
    if names is not None:
        for row in rows:
            if row.mentioned is None:
                return None
            names.update(row.mentioned)
    return names


def _renamed(
    kept: tuple[ModuleContext, tuple, dict, bool], old_span: list[_BlockPart | None],
    blocks: list[Block], parts: list[_BlockPart | None], first: int, new_end: int, moved: bool,
    importer: Path | None, python: str | None,
) -> tuple[ModuleContext, tuple, dict, bool] | None:
    """The previous version's context after an edit that changed class names (a paste, a
    deletion, a rename, a class that stops or starts parsing): the changed blocks' classes in
    place of the old ones, in block order, the classes that mention a name that came or went
    found again, the others kept (`_is_current`), frameworks that come through a local base
    resolved again; what `_combined` gives, without visiting every class's entries. None where
    the edit reaches further (imports, a name defined twice, classes of other files): combine
    again. `blocks[first:new_end]` replaced the old span; `moved`: the blocks below moved."""
    previous, current, _, simple = kept
    new_span = list(zip(blocks[first:new_end], parts[first:new_end]))
    # An import block next to the edit is split again with it: the same statements (the same
    # nodes, its text unchanged) are the same imports.
    if not simple or [stmt for part in old_span if part is not None for stmt in part.imports] != [
            stmt for _, part in new_span if part is not None for stmt in part.imports]:
        return None
    old_names = [stmt.name for part in old_span if part is not None for stmt, _ in part.classes]
    new_classes = [(block, stmt, row) for block, part in new_span if part is not None
                   for stmt, row in part.classes]
    names = list(previous.classes)
    before = sum(len(part.classes) for part in parts[:first] if part is not None)
    after = before + len(old_names)
    if names[before:after] != old_names:
        return None
    local_names = frozenset(names[:before]).union(
        (stmt.name for _, stmt, _ in new_classes), names[after:])
    if len(local_names) != len(names) - len(old_names) + len(new_classes):
        return None  # a name defined twice
    imports_id, _, keras_version = current
    now = (imports_id, small_id(local_names), keras_version)
    found_again = []
    came_or_went = local_names.symmetric_difference(names)
    # No class mentions a name that came or went (a class pasted or typed under a new name, one
    # deleted that nothing mentions): every other class keeps what it found, and none is visited.
    unmentioned = _mentioned_by_none(previous, came_or_went)
    if not unmentioned:
        below = list(zip(blocks[new_end:], parts[new_end:]))
        for block, part in (*zip(blocks[:first], parts[:first]), *below):
            if part is not None:
                for stmt, row in part.classes:
                    if row.candidates:
                        return None
                    if not _is_current(row, now, local_names, (current, came_or_went)):
                        found_again.append((block, stmt, row))
    for block, stmt, row in (*new_classes, *found_again):
        if row.inputs != now or row.candidates:  # (no candidates: no workspace class joins)
            _refresh(row, block, stmt, now, previous.imports, local_names, {}, {}, importer,
                     python)
        if row.candidates or row.workspace:
            return None

    def placed(mapping: dict, entries: list) -> dict:
        if not entries:  # a deletion: the others keep their order
            kept = dict(mapping)
            for name in old_names:
                kept.pop(name, None)
            return kept
        items = list(mapping.items())
        return dict(items[:before] + entries + items[after:])

    classes = placed(previous.classes, [(stmt.name, row.model) for _, stmt, row in new_classes])
    references = placed(previous.references,
                        [(stmt.name, row.referenced) for _, stmt, row in new_classes])
    workspace_keys = placed(previous.workspace_keys,
                            [(stmt.name, row.workspace) for _, stmt, row in new_classes])
    class_blocks = placed(previous.class_blocks,
                          [(stmt.name, block) for block, stmt, _ in new_classes])
    for _, stmt, row in found_again:
        assert row.model is not None
        classes[stmt.name], references[stmt.name] = row.model, row.referenced
        workspace_keys[stmt.name] = row.workspace
    if moved:  # the same classes, on other lines
        for index in range(new_end, len(parts)):
            part = parts[index]
            if part is not None:
                for stmt, _ in part.classes:
                    class_blocks[stmt.name] = blocks[index]
    own: dict = {}
    definitions = dict(previous.definitions)
    for part in old_span:
        if part is not None:
            for stmt, _ in part.classes:
                del definitions[id(stmt)]
    # Nor did a class that keeps its name change its framework or bases: the other classes keep
    # their frameworks and their definitions' (a base is a mention); only the new ones are read.
    if unmentioned and _same_bases(new_classes, previous.classes):
        new_frameworks = []
        for _, stmt, row in new_classes:
            model = row.model
            assert model is not None
            new_frameworks.append(
                (stmt.name, model.framework or _resolve_framework(stmt.name, classes, set(), {})))
            definitions[id(stmt)] = (model, _own_framework(model, own, classes, {}))
        frameworks = placed(previous.frameworks, new_frameworks)
    else:
        frameworks = {name: model.framework or _resolve_framework(name, classes, set(), {})
                      for name, model in classes.items()}
        for _, stmt, row in (*new_classes, *found_again):
            definitions[id(stmt)] = (row.model, None)  # type: ignore[assignment]
        # A definition's own framework follows its local bases (which may have come or gone).
        definitions.update({key: (model, _own_framework(model, own, classes, {}))
                            for key, (model, framework) in definitions.items()
                            if not model.framework or framework is None})
    context = _patched_context(previous, new_classes, classes, class_blocks, frameworks,
                               references, workspace_keys, definitions)
    return context, now, own, True


def _own_framework(model: ClassModel, own: dict, classes: dict[str, ClassModel],
                   external: dict[str, str]) -> str | None:
    """The framework of one definition, through the table of `_frameworks`."""
    own_key = (model.name, model.framework, tuple(model.base_names))
    framework = own.get(own_key, own)
    if framework is own:
        framework = own[own_key] = _definition_framework(model, classes, external)
    return framework


def _combined(
    blocks: list[Block], block_parts: list[_BlockPart | None], keras_version: str | None,
    importer: Path | None, python: str | None,
) -> tuple[ModuleContext, tuple, dict, bool]:
    """The context combined from every block's part; with the (imports, local names, Keras
    version) its rows were refreshed for, the frameworks' table of single definitions, and
    whether `_patched` may patch it (no name that could be a class of another file, no name
    defined twice). A row found for other class names keeps what it found while the local
    classes it mentions are the same (`_is_current`)."""
    parts = [(block, part) for block, part in zip(blocks, block_parts) if part is not None]
    imports, imports_key = _imports([stmt for _, part in parts for stmt in part.imports])
    class_blocks = {stmt.name: block for block, part in parts for stmt, _ in part.classes}
    local_names = frozenset(class_blocks)
    # Small numbers for the per-class cache keys: a tuple's hash is not cached, and each
    # class's key would hash the imports (and the set of local names) again.
    imports_id, local_id = small_id(imports_key), small_id(local_names)
    classes: dict[str, ClassModel] = {}
    references: dict[str, frozenset[str]] = {}
    external: dict[str, str] = {}
    workspace_keys: dict[str, tuple] = {}
    every_definition: list[tuple[ast.ClassDef, ClassModel]] = []
    current = (imports_id, local_id, keras_version)
    for block, part in parts:
        for stmt, row in part.classes:
            if not _is_current(row, current, local_names):
                _refresh(row, block, stmt, current, imports, local_names, classes, external,
                         importer, python)
            name = stmt.name
            earlier = references.get(name)
            references[name] = row.referenced if earlier is None else earlier | row.referenced
            earlier_keys = workspace_keys.get(name)
            workspace_keys[name] = row.workspace if earlier_keys is None else earlier_keys + row.workspace
            model = row.model
            assert model is not None
            # The name binds the last definition (what other code sees at run time).
            classes[name] = model
            every_definition.append((stmt, model))
    frameworks, own = _frameworks(classes, external)
    # Keyed by the statement of this parse: a model from the class cache may hold the node of
    # an earlier parse of the same text (the parse cache and the class cache evict separately).
    definitions = {id(stmt): (model, _own_framework(model, own, classes, external))
                   for stmt, model in every_definition}
    context = ModuleContext(imports, imports_key, keras_version, classes, class_blocks, frameworks,
                            references, workspace_keys, definitions,
                            _with_mentions(set(), (row for _, part in parts
                                                   for _, row in part.classes)))
    simple = (not external and len(every_definition) == len(class_blocks) == len(classes)
              and not any(row.candidates for _, part in parts for _, row in part.classes))
    return context, current, own, simple


@dataclass(eq=False)
class _ClassRow:
    """What module_context last found for one class definition of a remembered tree."""

    mentioned: frozenset[str] | None = None
    inputs: tuple | None = None
    """(imports, local class names, Keras version) that the rest was found for."""
    referenced: frozenset[str] = frozenset()
    candidates: tuple[str, ...] = ()
    workspace: tuple[tuple[str, int], ...] = ()
    model: ClassModel | None = None
    model_inputs: tuple | None = None


def _is_current(row: _ClassRow, current: tuple, local_names: frozenset[str],
                changed: tuple[tuple, frozenset[str]] | None = None) -> bool:
    """Whether what the row found still holds for `current` (imports, local class names,
    Keras version; rows with workspace candidates are always looked up again). A row found for
    other local names still holds when the local classes it mentions are the same: a class
    that stops parsing while it is typed then refreshes only the classes that mention it. Such
    a row is marked current. `changed`: the previous inputs and the class names that came or
    went since (`_renamed`): a row found for those inputs mentions the same local classes
    when it mentions none of those names (the same answer, without intersecting its names
    with every class name)."""
    inputs = row.inputs
    if row.candidates or inputs is None:
        return False
    if inputs == current:
        return True
    if changed is not None and inputs == changed[0] and row.mentioned is not None:
        if row.mentioned.isdisjoint(changed[1]):
            row.inputs = current
            return True
        return False
    if (inputs[0] == current[0] and inputs[2] == current[2] and row.mentioned is not None
            and row.mentioned & local_names == row.referenced):
        # The same local references, so the same imported candidates (the other mentioned
        # names) and the same model.
        row.inputs = current
        return True
    return False


def _refresh(
    row: _ClassRow, block: Block, stmt: ast.ClassDef, current: tuple, imports: ImportTable,
    local_names: frozenset[str], classes: dict[str, ClassModel], external: dict[str, str],
    importer: Path | None, python: str | None,
) -> None:
    """Find a class's local references, workspace classes and model again (the model through
    the class cache, keyed on what it depends on; else rebuilt from the model of an earlier
    tree of the class, for the same inputs, where the edit allows:
    `model_index.remembered_model`)."""
    imports_id, local_id, keras_version = current
    if row.inputs != current:
        # Key on the local classes this class mentions, not on all of them, so a class that
        # breaks while being typed does not invalidate every other one.
        if row.mentioned is None:
            row.mentioned = referenced_local_names(block, stmt)
        row.referenced, row.candidates = _split_mentioned(row.mentioned, local_names, local_id,
                                                          imports, imports_id)
    referenced = row.referenced
    workspace = row.workspace = _workspace_classes(row.candidates, importer, keras_version,
                                                   classes, external, python)
    inputs = (imports_id, referenced, workspace, keras_version)
    if row.model is None or row.model_inputs != inputs:
        key = (block.text, stmt.name, stmt.lineno, imports_id, referenced, workspace, keras_version)
        model = class_cache.get(key)
        if model is None:
            model = remembered_model(stmt, inputs) or build_class_model(
                stmt, imports, set(referenced) | {q for q, _ in workspace}, keras_version)
            remember(class_cache, key, model)
            remember_model(model, inputs)
        row.model, row.model_inputs = model, inputs
    row.inputs = current


@dataclass(eq=False)
class _BlockPart:
    """A block's statements that module_context reads: imports (and the `try`/`if` around
    them), classes."""

    text: str
    imports: list[ast.stmt]
    classes: list[tuple[ast.ClassDef, _ClassRow]]


def _block_part_or_none(block: Block) -> _BlockPart | None:
    """The block's part, None for a block that does not parse (carried between versions of a
    document: `block_versions.spliced`)."""
    return _block_part(block) if block.tree else None


def _block_part(block: Block) -> _BlockPart:
    assert block.tree is not None
    remembered = tree_memo.memo(block.tree)
    part = remembered.get("context")
    # A tree is the parse of its texts: of one, or of those an edit of a comment alone gave
    # it (`comment_edit`), where the part's text is the first.
    if part is None:
        body = block.tree.body
        part = remembered["context"] = _BlockPart(
            block.text,
            [stmt for stmt in body if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Try, ast.If))],
            [(stmt, _ClassRow()) for stmt in body if isinstance(stmt, ast.ClassDef)])
    return part


_recent_imports: list[tuple[list[ast.stmt], ImportTable, tuple]] = []


def _imports(statements: list[ast.stmt]) -> tuple[ImportTable, tuple]:
    """The import table of these statements and its sorted items, the same objects while the
    statements are the same nodes."""
    for index, (kept, table, key) in enumerate(_recent_imports):
        if kept == statements:  # AST nodes compare by identity
            if index:
                _recent_imports.insert(0, _recent_imports.pop(index))
            return table, key
    table = collect_imports(statements)
    key = tuple(sorted(table.items()))
    _recent_imports.insert(0, (statements, table, key))
    del _recent_imports[4:]
    return table, key


_recent_frameworks: list[tuple[list, dict, dict[str, str | None], dict]] = []


def _frameworks(
    classes: dict[str, ClassModel], external: dict[str, str]
) -> tuple[dict[str, str | None], dict]:
    """Each class's framework, and a table for the frameworks of single definitions (by name,
    own framework and bases), reused while no class changed its name, framework or bases."""
    signature = [(name, model.framework, model.base_names) for name, model in classes.items()]
    for index, (kept, kept_external, frameworks, own) in enumerate(_recent_frameworks):
        if kept == signature and kept_external == external:
            if index:
                _recent_frameworks.insert(0, _recent_frameworks.pop(index))
            return frameworks, own
    frameworks = {name: _resolve_framework(name, classes, set(), external) for name in classes}
    _recent_frameworks.insert(0, (signature, dict(external), frameworks, {}))
    del _recent_frameworks[4:]
    return frameworks, _recent_frameworks[0][3]


def _workspace_classes(
    candidates: tuple[str, ...], importer: Path | None, keras_version: str | None,
    classes: dict[str, ClassModel], external: dict[str, str], python: str | None = None,
) -> tuple[tuple[str, int], ...]:
    """Model classes of other workspace files (or installed packages) among a class's imported
    `candidates` (`_split_mentioned`); they join `classes` under their qualified name. Returns
    (qualified, identity) for the cache key."""
    found = []
    for qualified in candidates:
        resolved = resolve_external(qualified, importer, keras_version, python)
        if resolved is not None:
            classes[qualified] = resolved.model
            external[qualified] = resolved.framework
            for ancestor, model in resolved.ancestors:
                classes.setdefault(ancestor, model)
            found.append((qualified, id(resolved.model)))
    return tuple(found)


def _split_mentioned(
    mentioned: frozenset[str], local_names: frozenset[str], local_id: int,
    imports: ImportTable, imports_id: int,
) -> tuple[frozenset[str], tuple[str, ...]]:
    """The local classes a class mentions, and the imported names it mentions that could be
    classes of a workspace module (not a framework's), remembered per mentioned names, local
    classes and imports."""
    key = (mentioned, local_id, imports_id)
    cached = candidate_cache.get(key)
    if cached is not None:
        return cached
    candidates = tuple(sorted(
        qualified for name in mentioned - local_names
        if (qualified := imports.get(name)) and "." in qualified.strip(".")
        and framework_of(qualified.lstrip(".")) is None
    ))
    return remember(candidate_cache, key, (mentioned & local_names, candidates))


def referenced_local_names(block: Block, node: ast.ClassDef | ast.Module) -> frozenset[str]:
    """Names a class (or a whole block) mentions, cached by the block's text and remembered on
    the node (`tree_memo`): a block whose edit changed only a comment keeps its tree under a
    new text (`comment_edit`), and the names of a node are its own."""
    remembered = tree_memo.memo(node)
    cached = remembered.get(_NAMES_KEY)
    if cached is None:
        key = (block.text, getattr(node, "name", "<block>"))
        cached = reference_cache.get(key)
        if cached is None:
            cached = remember(reference_cache, key, frozenset(referenced_names(node)))
        remembered[_NAMES_KEY] = cached
    return cached


_NAMES_KEY = "referenced names"


def dependency_key(roots: AbstractSet[str], context: ModuleContext) -> tuple:
    """The local classes that code mentioning `roots` depends on, by name with their
    frameworks, and the identities of the workspace classes they use: what a block's findings
    read of other classes by name. What they read of their models is traced
    (`class_reads`)."""
    dependencies = sorted(class_dependencies(roots, context))
    frameworks = context.frameworks
    return tuple((name, frameworks.get(name)) for name in dependencies) + tuple(
        context.workspace_keys.get(name, ()) for name in dependencies)


def class_dependencies(roots: AbstractSet[str], context: ModuleContext) -> set[str]:
    """The classes of the module that `roots` name, and those they mention, transitively."""
    dependencies: set[str] = set()
    for name in roots:
        _class_dependencies(name, context, dependencies)
    return dependencies


def _resolve_framework(
    name: str, classes: dict[str, ClassModel], seen: set[str], known: dict[str, str]
) -> str | None:
    if name in known:
        return known[name]
    model = classes.get(name)
    if model is None or name in seen:
        return None
    if model.framework:
        return model.framework
    seen.add(name)
    for base in model.base_names:
        framework = _resolve_framework(base, classes, seen, known)
        if framework:
            return framework
    return None


def _definition_framework(
    model: ClassModel, classes: dict[str, ClassModel], known: dict[str, str]
) -> str | None:
    """The framework of one class definition, from its own bases (not from the last class
    of the same name)."""
    return model.framework or next(
        (fw for base in model.base_names
         if (fw := _resolve_framework(base, classes, {model.name}, known))),
        None,
    )


def _class_dependencies(name: str, context: ModuleContext, seen: set[str]) -> None:
    if name in seen or name not in context.classes:
        return
    seen.add(name)
    for reference in context.references.get(name, frozenset()):
        _class_dependencies(reference, context, seen)
