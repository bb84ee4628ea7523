"""Findings of a document's unchanged blocks, carried from one analysis of it to the next.

The engine's block cache is keyed on everything a block's findings depend on (its text, the
module's imports and Keras target, the texts of the classes it depends on, the save evidence
about its classes); building that key costs a few dozen microseconds per block, which on a
10,000-line module is most of a keystroke. This memo skips the key for a block whose text and
first line are those of the previous analysis of the same document, when nothing it depends on
changed: the module-wide inputs are equal, and no class it mentions or depends on (directly or
through the classes it depends on) changed its text, appeared, disappeared or resolves to a
different workspace class. A block that only moved (a paste or deletion above it) keeps its
findings, shifted, where no save evidence ties findings to lines (`_movable`). Any other block
goes through the engine's cache as before.

A version of a document (`block_versions.Blocks`) also keeps, per block, its header, ordinal
and memo entry (`rows`): after an edit that left the headers of the changed blocks as they
were (typing inside a class), the blocks above the changed span, and below it when no line
moved, are the previous version's, so the engine takes their entries from there in one pass
(`carried_rows`), without the per-block look-ups (a tenth of a keystroke on a 2,000-line
module); what it skips for them (`memo.get`'s key, `last_good.remember_good_findings`) is
a no-op for such a block.

`layerlint check` analyses each file once, so it turns the memo off (`suspended`): what a
block's findings are sensitive to was computed for every block and never read (~4% of a cold
check); the engine then also skips its block cache (`once`).
"""

from __future__ import annotations

import ast
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from layerlint.analysis import last_good, tree_memo
from layerlint.analysis.class_resolution import referenced_local_names
from layerlint.analysis.finding_output import shift
from layerlint.analysis.model_index import referenced_names
from layerlint.analysis.model_uses import WEIGHT_ONLY
from layerlint.analysis.source import Block
from layerlint.findings import Finding

if TYPE_CHECKING:
    from layerlint.analysis.engine import ModuleContext

_MAX_DOCUMENTS = 32

_Entry = tuple[list[Finding], frozenset[str], list[Finding]]
"""A block's findings, the class names they are sensitive to, and the findings with lines
relative to the block (`shift`ed to its lines)."""


@dataclass
class _Memo:
    token: tuple
    class_texts: dict[str, object]
    workspace_keys: dict[str, tuple]
    entries: dict[tuple[str, int], _Entry]


_Row = tuple[str, int, "_Entry | None"]
"""A block's header and ordinal (`last_good`) and its memo entry (None: none kept)."""
_ROWS = "block rows"
"""The key of a version's rows in its memo (`block_versions.Blocks.memo`)."""

_memos: OrderedDict[str, _Memo] = OrderedDict()
_suspended = False
_mentioned: dict[tuple[str, str], frozenset[str]] = {}


@dataclass
class BlockMemo:
    """One analysis's view of the memo: `get` before computing a block, `put` after."""

    path: str | None
    context: ModuleContext
    changed: frozenset[str] | None = None
    """Class names that changed since the previous analysis; None: nothing can be reused."""
    previous: dict[tuple[str, int], _Entry] = field(default_factory=dict)
    current: dict[tuple[str, int], _Entry] = field(default_factory=dict)
    movable: bool = False
    """No save evidence ties findings to lines (`_movable`): a block that only moved keeps its
    findings, shifted."""
    by_text: dict[str, _Entry] | None = None
    texts: dict[str, object] | None = None
    """`_class_texts(context)`, once `begin` needed it (the context does not change)."""
    source: _Memo | None = None
    """The previous analysis's memo that `previous` comes from."""
    rows: list[_Row] = field(default_factory=list)
    """This analysis's rows (`row`), one per block, kept with its blocks by `finish`."""

    def get(self, block: Block) -> list[Finding] | None:
        if self.changed is None:
            return None
        entry = self.previous.get((block.text, block.start_line))
        if entry is None and self.movable:
            entry = self._moved(block)
        if entry is None or not entry[1].isdisjoint(self.changed):
            return None
        self.current[block.text, block.start_line] = entry
        return entry[0]

    def _moved(self, block: Block) -> _Entry | None:
        """The entry of a block with this text on other lines, its findings shifted to the
        block's lines (as the engine's cache shifts them)."""
        if self.by_text is None:
            self.by_text = {text: entry for (text, _), entry in self.previous.items()}
        entry = self.by_text.get(block.text)
        if entry is None:
            return None
        relative = entry[2]
        offset = block.start_line - 1
        return [shift(finding, offset) for finding in relative], entry[1], relative

    def put(self, block: Block, findings: list[Finding], relative: list[Finding]) -> None:
        if self.path is not None:
            self.current[block.text, block.start_line] = (findings, _sensitive(block, self.context),
                                                          relative)

    def carried_rows(self, blocks: list[Block]) -> list[_Row] | None:
        """The previous version's rows, one per block of this version, where the change from
        it allows (None: look every block up): rows made with the memo `previous` comes from,
        no block's last good findings stored or dropped since (`last_good.writes`), and no
        block outside the changed span whose ordinal the change moved (a block with the
        header of one that came or went, below it). The changed span's rows hold no entry
        (their headers and ordinals found again where the span's headers changed: a paste, a
        deletion), nor do those below it with findings when the edit moved them
        (`line_delta`)."""
        change = getattr(blocks, "change", None)
        if self.changed is None or change is None:
            return None
        kept = change.previous.get(_ROWS)
        if kept is None or kept[0] is not self.source or kept[1] != tree_memo.generation() \
                or kept[2] != last_good.writes():
            return None
        rows: list[_Row] = kept[3]
        first, old_end, end = change.first, change.old_end, change.new_end
        if len(rows) - old_end + end != len(blocks):
            return None
        span = _span_rows(rows, first, old_end, blocks[first:end])
        if span is None:
            return None
        below = rows[old_end:]
        if change.line_delta:
            # The blocks below moved: those with findings are looked up (their findings
            # shifted, their last good findings stored at their new lines), with the headers
            # and ordinals they had. Those without keep their entry where a block's findings
            # do not depend on its lines (`movable`): `get` would find it, moved, as it is.
            below = [row if row[2] is not None and not row[2][0] and self.movable
                     else (row[0], row[1], None) for row in below]
        return [*rows[:first], *span, *below]

    def kept(self, block: Block, entry: _Entry) -> bool:
        """Take a carried row's entry for its block (outside the changed span) where no class
        it is sensitive to changed: what `get` would find (the block's text and first line
        are the previous version's). False: look it up."""
        if not entry[1].isdisjoint(self.changed):  # type: ignore[arg-type]
            return False
        self.current[block.text, block.start_line] = entry
        return True

    def row(self, header: str, ordinal: int, block: Block) -> None:
        """Record a block's header, ordinal and entry (None where none was kept: a block that
        does not parse), in block order."""
        if self.path is not None:
            self.rows.append((header, ordinal, self.current.get((block.text, block.start_line))))

    def finish(self, blocks: list[Block] | None = None) -> None:
        """Keep this analysis's entries (only those) for the next one, and its rows with its
        `blocks` when they are a document's version."""
        if self.path is None:
            return
        context = self.context
        texts = self.texts if self.texts is not None else _class_texts(context)
        kept = _memos[self.path] = _Memo(_token(context), texts, dict(context.workspace_keys),
                                         self.current)
        _memos.move_to_end(self.path)
        if len(_memos) > _MAX_DOCUMENTS:
            _memos.popitem(last=False)
        memo = getattr(blocks, "memo", None)
        if memo is not None and len(self.rows) == len(blocks):  # type: ignore[arg-type]
            memo[_ROWS] = (kept, tree_memo.generation(), last_good.writes(), self.rows)


def _span_rows(rows: list[_Row], first: int, old_end: int,
               span: list[Block]) -> list[_Row] | None:
    """The rows, without entries, of the blocks that replaced `rows[first:old_end]`: their
    headers and ordinals (how many blocks above have the same header); None where a block
    below the span has the header of one that came or went (its ordinal changed)."""
    replaced = rows[first:old_end]
    if len(replaced) == len(span) and all(
            header == last_good.block_header(block)
            for (header, _, _), block in zip(replaced, span)):
        return [(header, ordinal, None) for header, ordinal, _ in replaced]
    headers = [last_good.block_header(block) for block in span]
    changed = {row[0] for row in replaced}.union(headers)
    if any(row[0] in changed for row in rows[old_end:]):
        return None
    seen = Counter(row[0] for row in rows[:first] if row[0] in changed)
    result: list[_Row] = []
    for header in headers:
        result.append((header, seen[header], None))
        seen[header] += 1
    return result


@contextmanager
def suspended() -> Iterator[None]:
    """Inside the `with` block (and in the processes it forks) analyses neither read nor keep
    memo entries: each file is analysed once, nothing would be carried."""
    global _suspended
    previous, _suspended = _suspended, True
    try:
        yield
    finally:
        _suspended = previous


def once() -> bool:
    """Whether each file is analysed once (inside `suspended`): the engine then skips its
    block cache's keys and defers the save evidence (`deferred_evidence`)."""
    return _suspended


def begin(path: str | None, context: ModuleContext) -> BlockMemo:
    if _suspended:
        return BlockMemo(None, context)
    memo = BlockMemo(path, context)
    previous = _memos.get(path) if path is not None else None
    if previous is None or previous.token != _token(context):
        return memo
    texts = memo.texts = _class_texts(context)
    # Equal texts are the same class: a block next to an edited one may come back from the
    # split as a new string with the old text. A class of another file is its model object.
    changed = {name for name, text in texts.items()
               if (old := previous.class_texts.get(name)) is not text
               and not (type(text) is str and old == text)}
    changed.update(name for name in previous.class_texts if name not in texts)
    keys = context.workspace_keys
    changed.update(name for name in keys.keys() | previous.workspace_keys.keys()
                   if keys.get(name) != previous.workspace_keys.get(name))
    memo.changed = frozenset(changed)
    memo.previous = previous.entries
    memo.source = previous
    memo.movable = _movable(context)
    return memo


def forget(path: str) -> None:
    """Drop the memo of a closed document."""
    _memos.pop(path, None)


def _movable(context: ModuleContext) -> bool:
    """Whether a block's findings are the same, shifted, on any lines: the save evidence's
    part of the engine's cache key (`Evidence.signature`) does not depend on the block's
    offset when no use it keeps (one not of a weight-only kind) names a class."""
    return not any(use.contained and use.kind not in WEIGHT_ONLY
                   for use in context.evidence.uses)


def _token(context: ModuleContext) -> tuple:
    """The module-wide inputs of every block's findings."""
    return (context.imports_key, context.keras_version, context.target.key,
            context.mixed_precision, context.evidence, context.path)


def _class_texts(context: ModuleContext) -> dict[str, object]:
    """Each class's block text; a class of another file (it joins `classes` under a qualified
    name) is its model, compared by identity."""
    texts: dict[str, object] = {name: block.text for name, block in context.class_blocks.items()}
    for name, model in context.classes.items():
        if name not in texts:
            texts[name] = model
    return texts


def _sensitive(block: Block, context: ModuleContext) -> frozenset[str]:
    """The class names whose change can change this block's findings: those it mentions, the
    local classes it depends on (transitively) and the names those mention."""
    assert block.tree is not None
    names = set(_block_names(block))
    # A class defined twice binds the last definition: this block depends on which one that is.
    names.update(stmt.name for stmt in block.tree.body if isinstance(stmt, ast.ClassDef))
    pending = [name for name in names if name in context.references]
    while pending:
        name = pending.pop()
        dependency = context.class_blocks.get(name)
        if dependency is not None and dependency.tree is not None:
            mentioned = _block_names(dependency)
            pending.extend(other for other in mentioned - names if other in context.references)
            names |= mentioned
    return frozenset(names)


def _block_names(block: Block) -> frozenset[str]:
    """The names a block mentions. A block that is one class mentions what the class does (the
    module node holds no name), as `module_context` found already (`referenced_local_names`)."""
    assert block.tree is not None
    body = block.tree.body
    if len(body) == 1 and isinstance(body[0], ast.ClassDef):
        return referenced_local_names(block, body[0])
    return _names(block.text, "<block>", block.tree)


def _names(text: str, label: str, node) -> frozenset[str]:
    key = (text, label)
    cached = _mentioned.get(key)
    if cached is None:
        if len(_mentioned) > 8192:
            _mentioned.clear()
        cached = _mentioned[key] = frozenset(referenced_names(node))
    return cached


__all__ = ["BlockMemo", "begin", "forget", "once", "suspended"]
