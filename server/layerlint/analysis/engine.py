"""Runs the rules over a module and returns findings.

The work is split by top-level block (see `source.py`) and cached by content: a block's
findings are recomputed only when its text, the module's imports, or the classes it depends on
change. Module-level functional-API code is analysed as one program over all module-level
statements.

This module runs that loop; each other job has its own module: `caches` (every cache and
`clear()`), `class_resolution` (the module's classes, workspace and installed ones, their
frameworks, `ModuleContext`), `layer_taxonomy` (what a layer is for the reuse rules),
`reuse_cases` (the flow walker wired to classes and functions), `last_good` (findings of a
half-typed block) and `finding_output` (moving, suppressing, grading and labelling findings).
The module-wide passes (`module_context`, save evidence, `module_program`, `block_words`) keep
what each block gives on its tree (`tree_memo`), so a keystroke re-reads only changed blocks;
for a document, each version carries those per-block values and the passes' combined results
to the next (`block_versions`), which patches them where the edit allows.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from layerlint.analysis import block_memo, class_reads, keras_target, save_evidence
from layerlint.analysis.block_versions import Change, settled, since_parsed, spliced
from layerlint.analysis.block_words import mentions_any
from layerlint.analysis.caches import block_cache, class_cache, module_cache, remember
from layerlint.analysis.class_resolution import (
    ModuleContext,
    dependency_key,
    module_context,
    referenced_local_names,
)
from layerlint.analysis.deferred_evidence import DeferredEvidence
from layerlint.analysis.document_state import document_blocks
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.finding_output import SUPPRESS, outputs, shift, suppressed
from layerlint.analysis.imports import ImportTable
from layerlint.analysis.last_good import block_header, last_good_findings, remember_good_findings
from layerlint.analysis.module_program import module_program
from layerlint.analysis.project_evidence import with_project
from layerlint.analysis.reuse_cases import class_reuse, functional_reuse
from layerlint.analysis.rules import RULES, ll105_incompatible_layer_input
from layerlint.analysis.save_evidence import EMPTY, Evidence
from layerlint.analysis.shapes.infer import ModuleShapes
from layerlint.analysis.shapes.module_shapes import could_hold_layers, module_shapes
from layerlint.analysis.shapes.reuse_shapes import with_shape_evidence
from layerlint.analysis.source import Block, parse_block_text
from layerlint.config import Settings
from layerlint.findings import Finding

# The caches once lived here; tests and tools that empty them by these names keep working.
_block_cache = block_cache
_module_cache = module_cache
_class_cache = class_cache


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
    blocks = document_blocks(text, path)
    target = _keras_target(blocks, path, settings)
    context = module_context(blocks, target.catalog_version, Path(path) if path else None,
                             settings.python)
    context.target = target
    context.mixed_precision = mentions_any(blocks, _MIXED_POLICIES)
    if block_memo.once():  # a check: built when a rule first reads it (`deferred_evidence`)
        context.evidence = DeferredEvidence(lambda: _module_evidence(blocks, context, path),
                                            lambda words: mentions_any(blocks, words))
    else:
        context.evidence = _module_evidence(blocks, context, path)
    context.path = path
    findings: list[Finding] = []
    problems: list[SyntaxProblem] = []
    seen_headers: dict[str, int] = {}
    memo = block_memo.begin(path, context)
    carried = memo.carried_rows(blocks)
    for index, block in enumerate(blocks):
        if carried is not None:  # every block's header and ordinal are the previous version's
            row = carried[index]
            header, ordinal, entry = row
            if entry is not None and memo.kept(block, entry):
                memo.rows.append(row)
                findings.extend(entry[0])
                continue
        else:
            header = block_header(block)
            ordinal = seen_headers[header] = seen_headers.get(header, -1) + 1
        findings.extend(_one_block_findings(text, path, block, header, ordinal, context, memo,
                                            problems))
        memo.row(header, ordinal, block)
    memo.finish(blocks)
    with contextlib.suppress(RecursionError):
        findings.extend(_module_level_findings(text, blocks, context))
        shapes = _static_shapes(text, blocks, context, settings.input_shape)
        findings.extend(_shape_findings(shapes, text, context))
        findings = _with_shape_evidence(findings, shapes)
    lines = text.splitlines() if findings and mentions_any(blocks, (SUPPRESS,)) else []
    output = outputs(target, settings, line_label)
    kept = [
        output(finding)
        for finding in findings
        if settings.is_enabled(finding.code) and not (lines and suppressed(finding, lines))
    ]
    kept.sort(key=Finding.sort_key)
    settled(blocks)
    return AnalysisResult(kept, problems)


def _one_block_findings(text: str, path: str | None, block: Block, header: str, ordinal: int,
                        context: ModuleContext, memo: block_memo.BlockMemo,
                        problems: list[SyntaxProblem]) -> list[Finding]:
    """A block's findings: from the memo or computed, remembered as its last good ones; for a
    block that does not parse, its syntax problem goes to `problems` and its last good
    findings come back."""
    if block.tree is None:
        message, line, column = block.error or ("invalid syntax", 1, 1)
        problems.append(SyntaxProblem(message, block.start_line + line - 1, column))
        return last_good_findings(path, block, ordinal, text)
    block_findings = memo.get(block)
    try:
        if block_findings is None:
            relative, block_findings = _block_findings(block, context)
            memo.put(block, block_findings, relative)
    except RecursionError:  # an expression nested deeper than the rules can recurse
        block_findings = []
    remember_good_findings(path, block, ordinal, block_findings, header)
    return block_findings


def _module_evidence(blocks: list[Block], context: ModuleContext, path: str | None) -> Evidence:
    """Saves, reloads and torch moves of the module's models, and of its classes elsewhere in
    the project."""
    # Only classes and compiled loss functions have findings that need evidence.
    if not any(context.frameworks.values()) and not any(
            "compile(" in block.text or "Loss" in block.text for block in blocks):
        return EMPTY
    parts = spliced(blocks, "evidence parts", _evidence_part, comment_blind=True)
    torch_classes = frozenset(name for name, fw in context.frameworks.items() if fw == "torch")
    program = None
    memo, change = getattr(blocks, "memo", None), getattr(blocks, "change", None)
    if change is not None:  # patch the previous version's program where the edit allows
        since = since_parsed(blocks)
        if since is not None:
            # A class that parses again: the program's names are those before it broke.
            program = _patched_program(since, blocks, parts, context.imports, torch_classes)
        if program is None:
            program = _patched_program(change, blocks, parts, context.imports, torch_classes)
    if program is None:
        program = save_evidence.program(_placed(parts, blocks), context.imports, torch_classes)
    if memo is not None:
        memo["evidence"] = program
    local = program.result
    model_classes = frozenset(
        name for name, fw in context.frameworks.items() if fw and name in context.class_blocks)
    return with_project(local, Path(path) if path else None, model_classes)


def _patched_program(change: Change, blocks: list[Block],
                     parts: list[save_evidence.Part | None], imports: ImportTable,
                     torch_classes: frozenset[str]) -> save_evidence.Program | None:
    """The save evidence's program of `change.previous`'s version, patched across the change
    (`save_evidence.patched`); None where it kept none or the change reaches further."""
    kept, carried = change.previous.get("evidence"), change.previous.get("evidence parts")
    if kept is None:
        return None
    if change.same_trees and kept.imports is imports and kept.torch_classes == torch_classes:
        return kept  # a comment changed: the same parts
    if carried is None:
        return None
    first, new_end = change.first, change.new_end
    return save_evidence.patched(
        kept, (first, change.old_end), carried[first:change.old_end],
        _placed(parts[first:new_end], blocks[first:new_end]),
        change.line_delta, imports, torch_classes, parts, lambda: _placed(parts, blocks))


def _placed(parts: list[save_evidence.Part | None], blocks: list[Block]
            ) -> list[tuple[save_evidence.Part, int] | None]:
    """Each block's part of the save evidence's program at its line offset."""
    return [None if part is None else (part, block.start_line - 1)
            for part, block in zip(parts, blocks)]


def _evidence_part(block: Block) -> save_evidence.Part | None:
    """A block's part of the save evidence's program (`save_evidence.part`)."""
    return save_evidence.part(block.tree, block.text) if block.tree else None


def _block_findings(block: Block, context: ModuleContext) -> tuple[list[Finding], list[Finding]]:
    """The block's findings with lines relative to the block, and on the block's lines.

    The cache key names the classes the block depends on with their frameworks; the texts of
    those its rules read are its trace (`class_reads`), checked on a hit: the class that uses
    the class being typed keeps its findings unless its rules read that class."""
    assert block.tree is not None
    offset = block.start_line - 1
    if block_memo.once():  # a check analyses each block once: no cache key (it reads evidence)
        relative = _computed_findings(block, context, offset)
        return relative, [shift(finding, offset) for finding in relative]
    class_names = {stmt.name for stmt in block.tree.body if isinstance(stmt, ast.ClassDef)}
    roots = class_names or (referenced_local_names(block, block.tree) & set(context.classes))
    # A function a saved model holds (a compiled loss, or one a factory of the block returns:
    # `create_huber/huber_fn`) is reported on its definition (LL207).
    functions = {stmt.name for stmt in block.tree.body
                 if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    held_functions = ({key for key in context.evidence.held_keys
                       if key.partition("/")[0] in functions}
                      if functions and context.evidence.uses else set())
    key = (block.text, context.imports_key, context.target.key, context.mixed_precision,
           dependency_key(roots, context) if roots else (),
           context.evidence.signature(class_names | roots | held_functions, offset),
           _first_built(class_names | roots, context, offset))
    entries = block_cache.get(key)
    cached = class_reads.reusable(entries, context)
    if cached is not None:
        block_cache.move_to_end(key)
        _, relative, shifted = cached
        # Blocks below an edit move; the shifted copy is kept for the next keystroke.
        if offset not in shifted:
            shifted.clear()
            shifted[offset] = [shift(finding, offset) for finding in relative]
        return relative, shifted[offset]
    with class_reads.recording(context) as read:
        relative = _computed_findings(block, context, offset)
    findings = [shift(finding, offset) for finding in relative]
    remember(block_cache, key, class_reads.kept(
        entries, (class_reads.trace(read, context), relative, {offset: findings})))
    return relative, findings


def _computed_findings(block: Block, context: ModuleContext, offset: int) -> list[Finding]:
    """The rules' findings of a parsed block, lines relative to the block."""
    assert block.tree is not None
    facts = _facts(block.text, context, offset)
    for stmt in block.tree.body:
        if isinstance(stmt, ast.ClassDef) and id(stmt) in context.definitions:
            model, framework = context.definitions[id(stmt)]
            if framework:
                facts.frameworks[model.name] = framework
                facts.classes.append(model)
                facts.reuse_cases.extend(class_reuse(model, context, framework))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.reuse_cases.extend(functional_reuse(stmt, facts, context))
    return _run_rules(facts)


def _facts(text: str, context: ModuleContext, offset: int = 0) -> BlockFacts:
    frameworks = {name: fw for name, fw in context.frameworks.items() if fw}
    return BlockFacts(text, context.imports, context.keras_version, frameworks=frameworks,
                      local_classes=context.classes, keras_target=context.target,
                      mixed_precision=context.mixed_precision,
                      evidence=context.evidence, line_offset=offset, path=context.path)


def _run_rules(facts: BlockFacts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule.check(facts)]


def _module_level_findings(text: str, blocks: list[Block], context: ModuleContext) -> list[Finding]:
    """Functional-API code at module level: all module-level statements as one program.

    The program's blank lines above its first code and below its last (the definitions
    around it) are left out: the code is analysed as a block at its first line, so a paste or
    a deletion above or below it keeps its findings cached (moved, as a block's)."""
    program, has_code = module_program(blocks)
    if not has_code:
        return []
    code = program.lstrip("\n")
    offset = len(program) - len(code)
    code = code.rstrip("\n") + "\n"
    tree, _ = parse_block_text(code)
    if tree is None:
        return []
    if block_memo.once():  # a check: no cache key (see `_block_findings`)
        computed = _computed_module_findings(code, tree, context, offset)
        return [shift(finding, offset) for finding in computed]
    program_block = Block(offset + 1, code, tree)
    roots = referenced_local_names(program_block, tree) & set(context.classes)
    key = ("<module>", code, context.imports_key, context.target.key,
           context.mixed_precision, dependency_key(roots, context) if roots else (),
           context.evidence.signature(roots, offset), _first_built(roots, context, offset))
    entries = module_cache.get(key)
    cached = class_reads.reusable(entries, context)
    if cached is not None:
        module_cache.move_to_end(key)
        relative = cached[1]
    else:
        with class_reads.recording(context) as read:  # keyed as a block's findings are
            relative = _computed_module_findings(code, tree, context, offset)
        remember(module_cache, key,
                 class_reads.kept(entries, (class_reads.trace(read, context), relative)))
    return [shift(finding, offset) for finding in relative]


def _computed_module_findings(code: str, tree: ast.Module, context: ModuleContext,
                              offset: int) -> list[Finding]:
    """The rules' findings of the module-level code, lines relative to its first line."""
    facts = _facts(code, context, offset)
    facts.module_program = True
    facts.reuse_cases.extend(functional_reuse(tree, facts, context))
    return _run_rules(facts)


def _first_built(names: AbstractSet[str], context: ModuleContext, offset: int) -> tuple:
    """Where each of these classes is first constructed in the module, relative to `offset`
    (cache key): LL207 reports a saved class there, so a block's (or the module code's)
    findings change when that place moves into or out of it, e.g. a function that builds the
    class pasted above, without any save's line moving relative to it."""
    constructions = context.evidence.constructions
    if not constructions:
        return ()
    return tuple((name, line - offset, column, end_line - offset, end_column)
                 for name in sorted(names) if (spans := constructions.get(name))
                 for line, column, end_line, end_column in spans[:1])


def _static_shapes(text: str, blocks: list[Block], context: ModuleContext,
                   input_shape: tuple[int, ...] | None) -> ModuleShapes | None:
    """The module's static shapes (`analysis/shapes/infer.py`), once per analysis; None where
    no layer can be recorded. `input_shape` is the configured one, for models whose input the
    code does not give."""
    if "(" not in text or not could_hold_layers(text):
        return None
    return module_shapes(text, blocks, context.imports, context.keras_version, input_shape)


def _shape_findings(shapes: ModuleShapes | None, text: str,
                    context: ModuleContext) -> list[Finding]:
    """LL105 from the module's static shapes."""
    if shapes is None:
        return []
    facts = _facts(text, context)
    facts.shapes = shapes
    return [shift(finding, 0) for finding in ll105_incompatible_layer_input.RULE.check(facts)]


def _with_shape_evidence(findings: list[Finding], shapes: ModuleShapes | None) -> list[Finding]:
    """LL101/LL103 become errors where the static shapes prove the crash (`reuse_shapes`)."""
    if shapes is None or not any(finding.code in ("LL101", "LL102", "LL103")
                                 for finding in findings):
        return findings
    return with_shape_evidence(findings, shapes)


def _keras_target(blocks: list[Block], path: str | None, settings: Settings) -> keras_target.KerasTarget:
    """The module's Keras target: its blocks' own evidence (cached per block text, carried per
    block between versions of a document), then the project's (cached per folder by mtime), in
    the order `keras_target` documents."""
    per_block = spliced(blocks, "keras evidence", _block_keras_evidence, _moved_keras_evidence,
                        comment_blind=True)
    module_evidence = list(chain.from_iterable(per_block))
    return keras_target.resolve(module_evidence, path, settings.keras_version, settings.python)


def _block_keras_evidence(block: Block) -> tuple[keras_target.Evidence, ...]:
    if block.tree is None:
        return ()
    return keras_target.block_evidence(block.text, block.tree, block.start_line - 1)


def _moved_keras_evidence(items: tuple[keras_target.Evidence, ...],
                          block: Block) -> tuple[keras_target.Evidence, ...]:
    return _block_keras_evidence(block)


_MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")

__all__ = ["AnalysisResult", "ModuleContext", "SyntaxProblem", "analyse"]
