"""The block memo carries a document's unchanged blocks' findings to its next analysis; inside
`suspended()` (a `layerlint check`) it keeps nothing and the findings are the same."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bench.document_script import plan_document_edits
from bench.edit_script import apply_edit, find_typing_target, plan_typing
from bench.generate_models import generate_module
from layerlint.analysis import analyse, block_memo, caches, document_state, engine, last_good
from layerlint.analysis.source import split_blocks

ROOT = Path(__file__).resolve().parents[2]


def _findings(text: str, path: str) -> list[tuple]:
    return [(f.code, f.span.line, f.message) for f in analyse(text, path=path).findings]


def test_suspended_keeps_no_entry_and_finds_the_same():
    path = ROOT / "tests" / "fixtures" / "reuse" / "ll101_created_in_build.py"
    text = path.read_text(encoding="utf-8")
    scratch = str(path.with_name("memo_probe_suspended.py"))
    block_memo._memos.pop(scratch, None)
    with block_memo.suspended():
        inside = _findings(text, scratch)
        assert scratch not in block_memo._memos
        with block_memo.suspended():  # nested: still suspended after the inner block
            pass
        _findings(text, scratch)
        assert scratch not in block_memo._memos
    outside = _findings(text, scratch)
    assert scratch in block_memo._memos  # kept again once the check is over
    assert inside == outside and inside
    block_memo._memos.pop(scratch, None)




def _classes(text: str) -> tuple[dict[str, str], set[tuple[str, int]]]:
    """Class name -> its block's text (the blocks that parse), and every block's text and
    first line."""
    blocks = split_blocks(text)
    classes = {stmt.name: block.text for block in blocks if block.tree is not None
               for stmt in block.tree.body if isinstance(stmt, ast.ClassDef)}
    return classes, {(block.text, block.start_line) for block in blocks}


def _recomputed_blocks(monkeypatch) -> list[str]:
    """From now on, the text of every block whose findings the engine computes (not taken
    from the memo), in order; the caller clears the list between analyses."""
    recomputed: list[str] = []
    original = engine._block_findings

    def recording(block, context):
        recomputed.append(block.text)
        return original(block, context)

    monkeypatch.setattr(engine, "_block_findings", recording)
    return recomputed


def test_typing_recomputes_only_the_typed_class_and_the_classes_using_it(tmp_path, monkeypatch):
    """A class whose block comes back from the re-split as a new string with its old text (a
    neighbour of the typed class, or a class after a half-typed one) is unchanged: its findings
    come from the memo (unless it moved), and every state's findings are those of a fresh
    analysis."""
    source = generate_module(400, 1).text
    path, scratch = str(tmp_path / "typed.py"), str(tmp_path / "scratch.py")
    analyse(source, path=path)
    recomputed = _recomputed_blocks(monkeypatch)
    text = source
    before, placed_before = _classes(source)
    for step in plan_typing(source, 40):
        text = apply_edit(text, step)
        recomputed.clear()
        incremental = analyse(text, path=path)
        after, placed = _classes(text)
        changed = {name for name in before.keys() | after.keys()
                   if before.get(name) != after.get(name)}
        moved = {block_text for block_text, _ in placed - placed_before}
        for block_text in recomputed:
            assert block_text in moved or set(re.findall(r"\w+", block_text)) & changed, \
                block_text.split("\n", 1)[0]
        document_state.forget_document(scratch)  # the scratch path: no memo, no re-split
        block_memo.forget(scratch)
        assert incremental == analyse(text, path=scratch)
        before, placed_before = after, placed


def _document_states(source: str, path: str, scratch: str, monkeypatch) -> list[int]:
    """Analyse the document workload's states (comments, pasted definitions, deleted classes)
    under `path`, each compared with a fresh analysis; per state, how many blocks that only
    moved had their findings computed again."""
    analyse(source, path=path)
    recomputed = _recomputed_blocks(monkeypatch)
    _, placed_before = _classes(source)
    moved_recomputed = []
    for step in plan_document_edits(source, 45):
        recomputed.clear()
        incremental = analyse(step.text, path=path)
        _, placed = _classes(step.text)
        texts_before = {text for text, _ in placed_before}
        moved = {text for text, line in placed - placed_before if text in texts_before}
        moved_recomputed.append(sum(text in moved for text in recomputed))
        document_state.forget_document(scratch)
        block_memo.forget(scratch)
        assert incremental == analyse(step.text, path=scratch), step.kind
        placed_before = placed
    return moved_recomputed


def test_pasted_and_deleted_definitions_keep_the_findings_of_blocks_that_moved(tmp_path,
                                                                                monkeypatch):
    """A paste or deletion moves every block below it: with no save evidence tied to lines,
    their findings come from the memo, shifted, and equal those of a fresh analysis."""
    source = generate_module(600, 1).text
    moved_recomputed = _document_states(source, str(tmp_path / "doc.py"),
                                        str(tmp_path / "scratch.py"), monkeypatch)
    assert moved_recomputed and not any(moved_recomputed)


def test_blocks_that_moved_are_read_again_when_save_evidence_has_lines(tmp_path, monkeypatch):
    """Save evidence about a class (a `save` call at module level) is keyed on lines relative
    to each block: blocks that moved go through the engine's cache, and the findings still
    equal those of a fresh analysis."""
    source = generate_module(600, 1).text
    name = re.findall(r"^class (\w+)\(", source, re.MULTILINE)[-1]
    source += f"\n\nmodel = {name}()\nmodel.save('model.h5')\n"
    path = str(tmp_path / "saved.py")
    analyse(source, path=path)
    movable: list[bool] = []
    begin = block_memo.begin

    def recording(memo_path, context):
        memo = begin(memo_path, context)
        if memo_path == path:
            movable.append(memo.movable)
        return memo

    monkeypatch.setattr(block_memo, "begin", recording)
    moved_recomputed = _document_states(source, path, str(tmp_path / "scratch.py"), monkeypatch)
    assert movable and not any(movable)
    assert any(moved_recomputed)


def _states_breaking_another_class(source: str, finding_line: int) -> list[str]:
    """Typing in the benchmark's class, then the class holding `finding_line` (above it)
    broken (a parenthesis removed from its first `self.<name> = ...(...)` line, no line
    added), typing on, and the broken class mended."""
    states, text = [], source
    for step in plan_typing(source, 30):
        text = apply_edit(text, step)
        states.append(text)
    lines = text.split("\n")
    start = next(index for index in range(finding_line - 1, -1, -1)
                 if lines[index].startswith("class "))
    broken_line = next(line for line in lines[start:]
                       if line.startswith("        self.") and line.endswith(")"))
    broken = text.replace(broken_line, broken_line[:-1], 1)
    states.append(broken)
    tail = broken
    for step in plan_typing(source, 45)[30:]:  # lines after the typed statement: same places
        tail = apply_edit(tail, step)
        states.append(tail)
    states.append(tail.replace(broken_line[:-1], broken_line, 1))
    return states


def _flood_last_good(finding) -> None:
    """Another document's blocks' last good findings, enough to evict every other one."""
    block = split_blocks("x = 1\n")[0]
    for ordinal in range(caches.CACHE_SIZE + 1):
        last_good.remember_good_findings("/elsewhere.py", block, ordinal, [finding])


def _analysed_states(source: str, states: list[str], path: str, recomputed: list[str],
                     before: dict | None = None) -> tuple[list, list[list[str]]]:
    """`source`, then each state, analysed as the document `path`: the results, and the blocks
    computed again for each (`before[index]()` runs before the state at `index`)."""
    analyse(source, path=path)
    results, computed = [], []
    for index, text in enumerate(states):
        if before and index in before:
            before[index]()
        recomputed.clear()
        results.append(analyse(text, path=path))
        computed.append(list(recomputed))
    return results, computed


def test_carried_rows_give_the_findings_of_looking_every_block_up(tmp_path, monkeypatch):
    """A keystroke takes the untouched blocks' memo entries from the previous version's rows
    (`carried_rows`: those above it, and below it when no line moved, or when they have no
    findings); every state's findings, the blocks
    computed again, and the last good findings of a class broken meanwhile (after other
    documents' last good findings evicted its own) are those of an analysis that looks every
    block up."""
    source = generate_module(600, 1).text
    typed_line = find_typing_target(source).method_line
    typed = re.findall(r"^class (\w+)\(", "\n".join(source.split("\n")[:typed_line]),
                       re.MULTILINE)[-1]
    # A class below that uses the typed one: its findings are looked up again on each key.
    source += (f"\n\nclass UsesTyped(keras.Model):\n    def __init__(self):\n"
               f"        super().__init__()\n        self.unit = {typed}(64)\n\n"
               f"    def call(self, x):\n        return self.unit(x)\n")
    first = analyse(source, path=str(tmp_path / "probe.py")).findings[0]
    assert first.span.line < typed_line
    states = _states_breaking_another_class(source, first.span.line)
    recomputed = _recomputed_blocks(monkeypatch)
    carried: list[bool] = []
    original = block_memo.BlockMemo.carried_rows

    moved_kept: list[int] = []  # rows below a line typed, carried with their entry

    def recording(memo, blocks):
        rows = original(memo, blocks)
        carried.append(rows is not None)
        if rows is not None and blocks.change.line_delta:
            moved_kept.append(sum(row[2] is not None for row in rows[blocks.change.new_end:]))
        return rows

    def run(path: str) -> tuple[list, list[list[str]]]:
        return _analysed_states(source, states, path, recomputed,
                                {20: lambda: _flood_last_good(first)})

    monkeypatch.setattr(block_memo.BlockMemo, "carried_rows", recording)
    fast, fast_computed = run(str(tmp_path / "fast.py"))
    assert sum(carried) > len(states) // 2
    assert moved_kept and all(moved_kept)
    monkeypatch.setattr(block_memo.BlockMemo, "carried_rows", lambda memo, blocks: None)
    slow, slow_computed = run(str(tmp_path / "slow.py"))
    assert fast == slow
    assert fast_computed == slow_computed
    assert all(any(text.startswith("class UsesTyped") for text in computed)
               for computed in fast_computed[:20] if computed)
    # While its class is broken, the finding stays (its last good one, without fixes).
    assert all(result.syntax_problems for result in fast[30:-1])
    assert all(any(finding.code == first.code and finding.span == first.span
                   and not finding.fixes for finding in result.findings)
               for result in fast[30:-1])


DECORATED = ("@keras.saving.register_keras_serializable()\n"
             "class {name}(keras.layers.Layer):\n"
             "    def __init__(self):\n        super().__init__()\n"
             "        self.norm = keras.layers.BatchNormalization()\n\n"
             "    def call(self, x):\n        return self.norm(self.norm(x))\n")


def _pasted_and_deleted(source: str) -> list[str]:
    """The benchmark's full-document edits (pastes of renamed definitions, deleted classes,
    comments), then a decorated class pasted above two others and deleted again: the blocks
    below share its header (`@...`), so their ordinals move."""
    states = [step.text for step in plan_document_edits(source, 45)]
    text = states[-1]
    at = text.index("\nclass ") + 1
    pasted = text[:at] + DECORATED.format(name="Pasted") + "\n\n" + text[at:]
    return [*states, pasted, text, pasted]


def test_carried_rows_across_pastes_and_deletions_give_the_findings_of_looking_every_block_up(
        tmp_path, monkeypatch):
    """A paste or deletion changes the number of blocks: the changed span's rows get their
    headers and ordinals again and the blocks below keep theirs (their entries where they have
    no findings), unless a block below shares a header with one that came or went (its
    ordinal moved: every block is looked up). The findings and the blocks computed again
    equal those of looking every block up."""
    source = (generate_module(600, 1).text + "\n\n" + DECORATED.format(name="First") + "\n\n"
              + DECORATED.format(name="Second"))
    states = _pasted_and_deleted(source)
    recomputed = _recomputed_blocks(monkeypatch)
    outcomes: list[tuple[bool, bool]] = []  # (the block count changed, rows were carried)
    original = block_memo.BlockMemo.carried_rows

    def recording(memo, blocks):
        rows = original(memo, blocks)
        change = blocks.change
        if change is not None:
            outcomes.append((change.old_end != change.new_end, rows is not None))
        return rows

    def run(path: str) -> tuple[list, list[list[str]]]:
        return _analysed_states(source, states, path, recomputed)

    monkeypatch.setattr(block_memo.BlockMemo, "carried_rows", recording)
    fast, fast_computed = run(str(tmp_path / "fast.py"))
    counted = [carried for count_changed, carried in outcomes if count_changed]
    assert counted.count(True) >= 4 and counted[-3:] == [False, False, False]
    monkeypatch.setattr(block_memo.BlockMemo, "carried_rows", lambda memo, blocks: None)
    slow, slow_computed = run(str(tmp_path / "slow.py"))
    assert fast == slow
    assert fast_computed == slow_computed
    assert any(finding.code == "LL101" and finding.span.line > len(states[-2].split("\n")) - 20
               for finding in fast[-1].findings)  # the decorated classes' own findings
