"""Runs the rules over a module and returns findings.

The work is split by top-level block (see `source.py`) and cached by content: a block's
findings are recomputed only when its text, the module's imports, or the classes it depends on
change. Module-level functional-API code is analysed as one program over all module-level
statements.
"""

from __future__ import annotations

import ast
import contextlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from layerlint.analysis import keras_target
from layerlint.analysis.facts import BlockFacts, format_line_refs, shift_line_refs
from layerlint.analysis.flow import FlowWalker, LayerRef, Scope, Value
from layerlint.analysis.frameworks import builtin_layer, framework_of, model_base_framework
from layerlint.analysis.imports import ImportTable, collect_imports, qualified_name
from layerlint.analysis.model_index import (
    FORWARD_METHODS,
    ClassModel,
    LayerSpec,
    build_class_model,
    construction_spec,
    referenced_names,
)
from layerlint.analysis.project_evidence import with_project
from layerlint.analysis.reuse import find_reuse
from layerlint.analysis.rules import RULES, rule_by_code
from layerlint.analysis.save_evidence import EMPTY, Evidence, evidence
from layerlint.analysis.shapes import preserves_channels
from layerlint.analysis.shapes.module_shapes import module_shapes
from layerlint.analysis.shapes.reuse_shapes import with_shape_evidence
from layerlint.analysis.source import Block, parse_block_text, split_blocks
from layerlint.analysis.walk import walk
from layerlint.analysis.workspace import resolve_external
from layerlint.config import Settings
from layerlint.findings import Finding, Span
from layerlint.fixes.scope_names import names_taken_in_function, names_taken_in_module

_CACHE_SIZE = 4096
_SUPPRESS = "layerlint: ignore"


@dataclass(frozen=True)
class SyntaxProblem:
    """A part of the file that does not parse; the rest is still analysed."""

    message: str
    line: int
    column: int


@dataclass(frozen=True)
class AnalysisResult:
    findings: list[Finding] = field(default_factory=list)
    syntax_problems: list[SyntaxProblem] = field(default_factory=list)


_block_cache: OrderedDict[tuple, tuple[list[Finding], dict[int, list[Finding]]]] = OrderedDict()
_module_cache: OrderedDict[tuple, list[Finding]] = OrderedDict()
_class_cache: OrderedDict[tuple, ClassModel] = OrderedDict()


def _remember(cache: OrderedDict, key: tuple, value):
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


@dataclass
class ModuleContext:
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
    target: keras_target.KerasTarget = keras_target.UNKNOWN
    """The Keras the module targets; rules see it as `BlockFacts.keras_target`."""
    mixed_precision: bool = False
    """The module names a mixed dtype policy (`mixed_float16`): see `BlockFacts`."""
    evidence: Evidence = EMPTY
    path: str | None = None


def analyse(
    text: str, *, path: str | None = None, settings: Settings | None = None,
    line_label: Callable[[int], str] = str,
) -> AnalysisResult:
    """Analyse one module's source text.

    `line_label` writes line numbers inside messages: a notebook passes one that says
    `9 of cell 3` for a line of its joined program.
    """
    settings = settings or Settings()
    if "\r" in text:  # ast and LSP break lines at a lone CR too; the blocks count only LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = split_blocks(text)
    target = _keras_target(blocks, path, settings)
    context = _module_context(blocks, target.catalog_version, Path(path) if path else None,
                              settings.python)
    context.target = target
    context.mixed_precision = any(policy in text for policy in _MIXED_POLICIES)
    context.evidence = _module_evidence(blocks, context, path)
    context.path = path
    findings: list[Finding] = []
    problems: list[SyntaxProblem] = []
    seen_headers: dict[str, int] = {}
    for block in blocks:
        header = _block_header(block)
        ordinal = seen_headers[header] = seen_headers.get(header, -1) + 1
        if block.tree is None:
            message, line, column = block.error or ("invalid syntax", 1, 1)
            problems.append(SyntaxProblem(message, block.start_line + line - 1, column))
            findings.extend(_last_good_findings(path, block, ordinal, text))
            continue
        try:
            block_findings = _block_findings(block, context)
        except RecursionError:  # an expression nested deeper than the rules can recurse
            block_findings = []
        _remember_good_findings(path, block, ordinal, block_findings)
        findings.extend(block_findings)
    with contextlib.suppress(RecursionError):
        findings.extend(_module_level_findings(text, blocks, context))
        findings.extend(_shape_findings(text, blocks, context))
        findings = _with_shape_evidence(findings, text, blocks, context)
    lines = text.splitlines() if findings and _SUPPRESS in text else []
    kept = [
        _labelled(_with_severity(_with_target(finding, target), settings), line_label)
        for finding in findings
        if settings.is_enabled(finding.code) and not (lines and _suppressed(finding, lines))
    ]
    kept.sort(key=Finding.sort_key)
    return AnalysisResult(kept, problems)


# While a class is half-typed its block does not parse; its last good findings keep showing
# (without quick-fixes, whose positions may be stale) until it parses again. A block is known by
# its first line and how many blocks above start with the same line (a notebook-style file may
# define `class Block` twice: each keeps its own findings).
_last_good: OrderedDict[tuple[str, str, int], tuple[int, list[Finding]]] = OrderedDict()


def _block_header(block: Block) -> str:
    return block.text.split("\n", 1)[0]


def _remember_good_findings(
    path: str | None, block: Block, ordinal: int, findings: list[Finding]
) -> None:
    if path is None:
        return
    key = (path, _block_header(block), ordinal)
    if findings:
        kept = [replace(finding, fixes=()) if finding.fixes else finding for finding in findings]
        _remember(_last_good, key, (block.start_line, kept))
    elif key in _last_good:
        del _last_good[key]


def _last_good_findings(path: str | None, block: Block, ordinal: int, text: str) -> list[Finding]:
    if path is None:
        return []
    remembered = _last_good.get((path, _block_header(block), ordinal))
    if remembered is None:
        return []
    start_line, findings = remembered
    lines = block.text.split("\n")
    document = text.split("\n")
    kept = []
    for finding in (_shift(finding, block.start_line - start_line) for finding in findings):
        if _inside(finding.span, block.start_line, lines):
            # A related place elsewhere in the module may be gone by now (the rest of the
            # document is being typed too): keep only those still inside the document.
            related = tuple(item for item in finding.related if _inside(item.span, 1, document))
            kept.append(replace(finding, related=related) if related != finding.related else finding)
    return kept


def _inside(span: Span, start_line: int, lines: list[str]) -> bool:
    """Whether a remembered span still lies inside the block's current text."""
    first, last = span.line - start_line, span.end_line - start_line
    return (0 <= first <= last < len(lines) and span.column <= len(lines[first]) + 1
            and span.end_column <= len(lines[last]) + 1)


def _module_context(
    blocks: list[Block], keras_version: str | None, importer: Path | None = None,
    python: str | None = None,
) -> ModuleContext:
    statements = [stmt for block in blocks if block.tree for stmt in block.tree.body]
    imports = collect_imports(
        stmt for stmt in statements if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Try, ast.If))
    )
    imports_key = tuple(sorted(imports.items()))
    class_blocks = {
        stmt.name: block
        for block in blocks if block.tree
        for stmt in block.tree.body if isinstance(stmt, ast.ClassDef)
    }
    local_names = set(class_blocks)
    classes: dict[str, ClassModel] = {}
    references: dict[str, frozenset[str]] = {}
    external: dict[str, str] = {}
    workspace_keys: dict[str, tuple] = {}
    every_definition: list[tuple[ast.ClassDef, ClassModel]] = []
    for block in blocks:
        for stmt in block.tree.body if block.tree else ():
            if isinstance(stmt, ast.ClassDef):
                # Key on the local classes this class mentions, not on all of them, so a
                # class that breaks while being typed does not invalidate every other one.
                mentioned = _referenced_local_names(block, stmt)
                referenced = mentioned & local_names
                workspace = _workspace_classes(mentioned - local_names, imports, imports_key, importer,
                                               keras_version, classes, external, python)
                references[stmt.name] = references.get(stmt.name, frozenset()) | referenced
                workspace_keys[stmt.name] = workspace_keys.get(stmt.name, ()) + workspace
                key = (block.text, stmt.name, stmt.lineno, imports_key, referenced, workspace,
                       keras_version)
                model = _class_cache.get(key)
                if model is None:
                    model = _remember(
                        _class_cache, key,
                        build_class_model(stmt, imports, set(referenced) | {q for q, _ in workspace},
                                          keras_version),
                    )
                # The name binds the last definition (what other code sees at run time).
                classes[stmt.name] = model
                every_definition.append((stmt, model))
    frameworks = {name: _resolve_framework(name, classes, set(), external) for name in classes}
    # Keyed by the statement of this parse: a model from the class cache may hold the node of
    # an earlier parse of the same text (the parse cache and the class cache evict separately).
    definitions = {
        id(stmt): (model, _definition_framework(model, classes, external))
        for stmt, model in every_definition
    }
    return ModuleContext(imports, imports_key, keras_version, classes, class_blocks, frameworks,
                         references, workspace_keys, definitions)


def _module_evidence(blocks: list[Block], context: ModuleContext, path: str | None) -> Evidence:
    """Saves, reloads and torch moves of the module's models, and of its classes elsewhere in
    the project."""
    # Only classes and compiled loss functions have findings that need evidence.
    if not any(context.frameworks.values()) and not any(
            "compile(" in block.text or "Loss" in block.text for block in blocks):
        return EMPTY
    parts = [(block.tree, block.start_line - 1, block.text) for block in blocks if block.tree]
    torch_classes = frozenset(name for name, fw in context.frameworks.items() if fw == "torch")
    local = evidence(parts, context.imports, torch_classes)
    model_classes = frozenset(
        name for name, fw in context.frameworks.items() if fw and name in context.class_blocks)
    return with_project(local, Path(path) if path else None, model_classes)


def _workspace_classes(
    names: frozenset[str], imports: ImportTable, imports_key: tuple, importer: Path | None,
    keras_version: str | None,
    classes: dict[str, ClassModel], external: dict[str, str], python: str | None = None,
) -> tuple[tuple[str, int], ...]:
    """Model classes of other workspace files (or installed packages) that a class mentions by
    an imported name; they join `classes` under their qualified name. Returns (qualified,
    identity) for the cache key."""
    found = []
    for qualified in _workspace_candidates(names, imports, imports_key):
        resolved = resolve_external(qualified, importer, keras_version, python)
        if resolved is not None:
            classes[qualified] = resolved.model
            external[qualified] = resolved.framework
            for ancestor, model in resolved.ancestors:
                classes.setdefault(ancestor, model)
            found.append((qualified, id(resolved.model)))
    return tuple(found)


_candidate_cache: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()


def _workspace_candidates(
    names: frozenset[str], imports: ImportTable, imports_key: tuple
) -> tuple[str, ...]:
    """Imported names that could be classes of a workspace module (not a framework's)."""
    key = (names, imports_key)
    cached = _candidate_cache.get(key)
    if cached is not None:
        return cached
    candidates = tuple(sorted(
        qualified for name in names
        if (qualified := imports.get(name)) and "." in qualified.strip(".")
        and framework_of(qualified.lstrip(".")) is None
    ))
    return _remember(_candidate_cache, key, candidates)


_reference_cache: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()


def _referenced_local_names(block: Block, node: ast.ClassDef | ast.Module) -> frozenset[str]:
    """Names a class (or a whole block) mentions, cached by the block's text."""
    key = (block.text, getattr(node, "name", "<block>"))
    cached = _reference_cache.get(key)
    if cached is None:
        cached = _remember(_reference_cache, key, frozenset(referenced_names(node)))
    return cached


def _dependency_fingerprint(
    roots: set[str], own: set[str], context: ModuleContext
) -> tuple:
    """The texts of the local classes (and identities of workspace classes) that code
    mentioning `roots` depends on, so its cached findings go stale when one of them changes."""
    dependencies: set[str] = set()
    for name in roots:
        _class_dependencies(name, context, dependencies)
    return tuple(sorted(
        (name, context.class_blocks[name].text)
        for name in dependencies - own if name in context.class_blocks
    )) + tuple(context.workspace_keys.get(name, ()) for name in sorted(dependencies))


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


def _block_findings(block: Block, context: ModuleContext) -> list[Finding]:
    assert block.tree is not None
    class_names = {stmt.name for stmt in block.tree.body if isinstance(stmt, ast.ClassDef)}
    roots = class_names or (_referenced_local_names(block, block.tree) & set(context.classes))
    fingerprint = _dependency_fingerprint(roots, class_names, context) if roots else ()
    offset = block.start_line - 1
    key = (block.text, context.imports_key, context.target.key, context.mixed_precision,
           fingerprint, context.evidence.signature(class_names | roots, offset))
    cached = _block_cache.get(key)
    if cached is not None:
        _block_cache.move_to_end(key)
        relative, shifted = cached
        # Blocks below an edit move; the shifted copy is kept for the next keystroke.
        if offset not in shifted:
            shifted.clear()
            shifted[offset] = [_shift(finding, offset) for finding in relative]
        return shifted[offset]
    facts = _facts(block.text, context, offset)
    for stmt in block.tree.body:
        if isinstance(stmt, ast.ClassDef) and id(stmt) in context.definitions:
            model, framework = context.definitions[id(stmt)]
            if framework:
                facts.frameworks[model.name] = framework
                facts.classes.append(model)
                facts.reuse_cases.extend(_class_reuse(model, context, framework))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.reuse_cases.extend(_functional_reuse(stmt, facts, context))
    relative = _run_rules(facts)
    shifted = [_shift(finding, offset) for finding in relative]
    _remember(_block_cache, key, (relative, {offset: shifted}))
    return shifted


def _facts(text: str, context: ModuleContext, offset: int = 0) -> BlockFacts:
    frameworks = {name: fw for name, fw in context.frameworks.items() if fw}
    return BlockFacts(text, context.imports, context.keras_version, frameworks=frameworks,
                      local_classes=context.classes, keras_target=context.target,
                      mixed_precision=context.mixed_precision,
                      evidence=context.evidence, line_offset=offset, path=context.path)


def _run_rules(facts: BlockFacts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule.check(facts)]


# -- layer knowledge ------------------------------------------------------------------------
def _attributes(model: ClassModel, context: ModuleContext, seen: set[str] | None = None) -> dict:
    """Layer attributes of a class, inherited ones from local base classes included."""
    seen = seen or set()
    seen.add(model.name)
    merged: dict = {}
    for base in model.base_names:
        base_model = context.classes.get(base)
        if base_model is not None and base not in seen:
            merged.update(_attributes(base_model, context, seen))
    merged.update(model.attributes)
    return merged


def _category(spec: LayerSpec, context: ModuleContext, seen: set[str] | None = None) -> str | None:
    if spec.kind == "builtin" and spec.info is not None:
        info = spec.info
        if info.moving_statistics:
            return "stateful"
        if info.random:
            return "random"
        if info.stateless:
            return "stateless"
        return "weighted" if info.has_weights else None
    elements = spec.elements
    if spec.kind == "custom":
        seen = seen or set()
        model = context.classes.get(spec.class_name)
        if model is None or spec.class_name in seen:
            return None
        seen.add(spec.class_name)
        elements = tuple(
            definition.spec
            for definitions in _attributes(model, context).values()
            for definition in definitions
        ) + _builtin_bases(model, context, set())
        if not elements:
            owns_weights = any(
                isinstance(node, ast.Attribute) and node.attr == "add_weight"
                for node in walk(model.node)
            )
            return "weighted" if owns_weights else None
    categories = {_category(element, context, seen) for element in elements}
    for category in ("stateful", "weighted", "random"):
        if category in categories:
            return category
    return "stateless" if categories == {"stateless"} else None


def _builtin_bases(model: ClassModel, context: ModuleContext, seen: set[str]) -> tuple[LayerSpec, ...]:
    """Built-in layers a class derives from (`class BatchNormAct2d(nn.BatchNorm2d)` inherits
    moving statistics), through its local, workspace and installed bases."""
    found: list[LayerSpec] = []
    seen.add(model.name)
    for base in model.base_names:
        info = None if model_base_framework(base) else builtin_layer(base, context.keras_version)
        if info is not None and not info.container:
            found.append(LayerSpec("builtin", base.rsplit(".", 1)[-1], info=info))
        elif base in context.classes and base not in seen:
            found.extend(_builtin_bases(context.classes[base], context, seen))
    return tuple(found)


def _produced_value(node: ast.Call, context: ModuleContext) -> Value | None:
    """`keras.Input((16, 16, 3))` produces 3 channels."""
    qualified = qualified_name(node.func, context.imports)
    if qualified is None or not qualified.endswith(".Input") or framework_of(qualified) is None:
        return None
    shape = next((kw.value for kw in node.keywords if kw.arg == "shape"), node.args[0] if node.args else None)
    if not isinstance(shape, (ast.Tuple, ast.List)) or not shape.elts:
        return None
    last = shape.elts[-1]
    if isinstance(last, ast.Constant) and type(last.value) is int:
        return Value(channels=last.value, source=f"Input(shape={ast.unparse(shape)})")
    return None


def _output(spec: LayerSpec, input_value: Value) -> Value:
    if spec.kind == "container" and spec.elements:
        value = input_value
        for element in spec.elements:
            value = _output(element, value)
        return value
    if spec.kind != "builtin" or spec.info is None:
        return Value()
    if spec.out_channels is not None:
        return Value(channels=spec.out_channels, source=f"{spec.class_name}({spec.out_channels})")
    if preserves_channels(spec.info):
        return Value(channels=input_value.channels, source=input_value.source)
    return Value()


def _class_reuse(model: ClassModel, context: ModuleContext, framework: str | None) -> list:
    attributes = _attributes(model, context)
    methods = dict(model.methods)
    forward = next(
        (methods[name] for name in FORWARD_METHODS.get(framework or "", ()) if name in methods),
        None,
    )
    if forward is None:
        return []

    def resolve_attribute(name: str) -> LayerSpec | None:
        definitions = attributes.get(name)
        return definitions[-1].spec if definitions else None

    def resolve_construction(node: ast.expr) -> LayerSpec | None:
        return construction_spec(node, context.imports, set(context.classes), context.keras_version)

    scope = Scope(resolve_attribute, resolve_construction, _output, methods,
                  produced_value=lambda node: _produced_value(node, context))
    occurrences = FlowWalker(scope).walk_function(forward)
    loaded = {
        node.attr
        for node in walk(model.node)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
        and isinstance(node.value, ast.Name) and node.value.id == "self"
    }

    def spec_of(ref: LayerRef) -> LayerSpec | None:
        spec = resolve_attribute(ref.name)
        if spec is not None and ref.index is not None:
            return spec.elements[0] if spec.elements else None
        return spec

    def unused_siblings(ref: LayerRef, spec: LayerSpec) -> tuple[str, ...]:
        return tuple(sorted(
            name for name, definitions in attributes.items()
            if name != ref.name and name not in loaded
            and any(d.spec.kind == spec.kind and d.spec.class_name == spec.class_name for d in definitions)
        ))

    return find_reuse(occurrences, spec_of, lambda spec: _category(spec, context), unused_siblings)


def _functional_reuse(
    scope_node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts,
    context: ModuleContext,
) -> list:
    def resolve_construction(node: ast.expr) -> LayerSpec | None:
        return construction_spec(node, context.imports, set(context.classes), context.keras_version)

    scope = Scope(lambda name: None, resolve_construction, _output, {}, functional=True,
                  produced_value=lambda node: _produced_value(node, context))
    walker = FlowWalker(scope)
    statements = scope_node.body
    occurrences = walker.walk_statements(statements)
    if not occurrences:
        return []
    if isinstance(scope_node, ast.Module):
        function_name, taken = None, names_taken_in_module(scope_node)
    else:
        function_name, taken = scope_node.name, names_taken_in_function(scope_node)
    definitions = {
        id(node): node for stmt in statements for node in walk(stmt)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
    }
    for occurrence in occurrences:
        statement = definitions.get(occurrence.ref.definition)
        if statement is not None:
            simple = isinstance(statement, ast.Assign) and len(statement.targets) == 1
            facts.variable_definitions[occurrence.ref.definition] = (
                statement if simple else None, function_name, taken, scope_node,
            )
    cases = find_reuse(
        occurrences,
        walker.variable_spec,
        lambda spec: _category(spec, context),
    )
    # A whole model (a custom class or a Sequential held in a variable) called on several
    # independent inputs is inference on several batches, not layer sharing: only a chain or a
    # proven shape clash is worth a word there.
    return [
        case for case in cases
        if case.spec.kind not in ("custom", "container") or case.chain or case.proven_mismatch
    ]


def _module_level_findings(text: str, blocks: list[Block], context: ModuleContext) -> list[Finding]:
    """Functional-API code at module level: all module-level statements as one program."""
    pieces: list[str] = []
    has_code = False
    for block in blocks:
        definition = block.tree is not None and all(
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                              ast.ImportFrom))
            for stmt in block.tree.body
        )
        if block.tree is None or definition:
            pieces.append("\n" * block.text.count("\n"))
        else:
            pieces.append(block.text)
            has_code = has_code or "(" in block.text
    if not has_code:
        return []
    program = "".join(pieces)
    tree, _ = parse_block_text(program)
    if tree is None:
        return []
    program_block = Block(1, program, tree)
    roots = _referenced_local_names(program_block, tree) & set(context.classes)
    fingerprint = _dependency_fingerprint(roots, set(), context) if roots else ()
    key = ("<module>", program, context.imports_key, context.target.key,
           context.mixed_precision, fingerprint,
           context.evidence.signature(roots, 0))
    cached = _module_cache.get(key)
    if cached is not None:
        return cached
    facts = _facts(program, context)
    facts.module_program = True
    facts.reuse_cases.extend(_functional_reuse(tree, facts, context))
    return _remember(_module_cache, key, [_shift(finding, 0) for finding in _run_rules(facts)])


def _shape_findings(text: str, blocks: list[Block], context: ModuleContext) -> list[Finding]:
    """LL105 from the module's static shapes (`analysis/shapes/infer.py`)."""
    rule = rule_by_code("LL105")
    if rule is None or "(" not in text:
        return []
    facts = _facts(text, context)
    facts.shapes = module_shapes(text, blocks, context.imports, context.keras_version)
    return [_shift(finding, 0) for finding in rule.check(facts)]


def _with_shape_evidence(findings: list[Finding], text: str, blocks: list[Block],
                         context: ModuleContext) -> list[Finding]:
    """LL101/LL103 become errors where the static shapes prove the crash (`reuse_shapes`)."""
    if not any(finding.code in ("LL101", "LL102", "LL103") for finding in findings):
        return findings
    shapes = module_shapes(text, blocks, context.imports, context.keras_version)
    return with_shape_evidence(findings, shapes)


# -- output ---------------------------------------------------------------------------------
def _shift_span(span: Span, offset: int) -> Span:
    return Span(span.line + offset, span.column, span.end_line + offset, span.end_column)


def _shift(finding: Finding, offset: int) -> Finding:
    if offset == 0:
        return _resolve_messages(finding, 0)
    fixes = tuple(
        replace(fix, data={
            **fix.data,
            **({"definition_line": fix.data["definition_line"] + offset}
               if "definition_line" in fix.data else {}),
            **({"alias_line": fix.data["alias_line"] + offset} if "alias_line" in fix.data else {}),
            **({"call_sites": [[line + offset, column] for line, column in fix.data["call_sites"]]}
               if "call_sites" in fix.data else {}),
        })
        for fix in finding.fixes
    )
    return replace(
        _resolve_messages(finding, offset),
        span=_shift_span(finding.span, offset),
        related=tuple(replace(item, span=_shift_span(item.span, offset)) for item in finding.related),
        fixes=fixes,
    )


def _resolve_messages(finding: Finding, offset: int) -> Finding:
    if offset == 0:
        return finding
    return replace(
        finding,
        message=shift_line_refs(finding.message, offset),
        related=tuple(
            replace(item, message=shift_line_refs(item.message, offset)) for item in finding.related
        ),
    )


def _labelled(finding: Finding, label: Callable[[int], str]) -> Finding:
    return replace(
        finding,
        message=format_line_refs(finding.message, label),
        related=tuple(
            replace(item, message=format_line_refs(item.message, label)) for item in finding.related
        ),
    )


def _suppressed(finding: Finding, lines: list[str]) -> bool:
    index = finding.span.line - 1
    if not 0 <= index < len(lines):
        return False
    line = lines[index]
    marker = line.find(_SUPPRESS)
    if marker < 0:
        return False
    rest = line[marker + len(_SUPPRESS):]
    if not rest.startswith("["):
        return True
    codes = rest[1:rest.find("]")] if "]" in rest else rest[1:]
    return any(finding.code.startswith(code.strip()) for code in codes.split(",") if code.strip())


def _keras_target(blocks: list[Block], path: str | None, settings: Settings) -> keras_target.KerasTarget:
    """The module's Keras target: its blocks' own evidence (cached per block text), then the
    project's (cached per folder by mtime), in the order `keras_target` documents."""
    module_evidence = [
        item for block in blocks if block.tree is not None
        for item in keras_target.block_evidence(block.text, block.tree, block.start_line - 1)
    ]
    return keras_target.resolve(module_evidence, path, settings.keras_version, settings.python)


def _with_target(finding: Finding, target: keras_target.KerasTarget) -> Finding:
    """Findings of version-aware rules say which Keras they assumed (hover, JSON)."""
    if finding.code not in _VERSION_AWARE or finding.keras_target is target:
        return finding
    return replace(finding, keras_target=target)


_MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")
_VERSION_AWARE = frozenset(rule.CODE for rule in RULES if getattr(rule, "KERAS_VERSION_AWARE", False))


def _with_severity(finding: Finding, settings: Settings) -> Finding:
    severity = settings.severity_for(finding.code, finding.severity)
    return finding if severity == finding.severity else replace(finding, severity=severity)


__all__ = ["AnalysisResult", "SyntaxProblem", "analyse"]
