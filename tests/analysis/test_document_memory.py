"""What the analysis lets go of: the trees of block texts that left a document, and a closed
document's state; the findings stay those of a fresh analysis."""

from __future__ import annotations

import ast
import gc
import weakref
from pathlib import Path

from layerlint.analysis import (
    block_memo,
    caches,
    document_memory,
    document_state,
    node_index,
    source,
    walk,
)
from layerlint.analysis.engine import analyse
from layerlint.analysis.shapes import layout, replay

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "examples" / "feature_extractor.py").read_text()
CLASS_LINE = "class "


def _edited(text: str, statement: str = "edited = 1") -> str:
    """The text with a statement added below the first class's header line (code: an edit
    of a comment alone keeps the block's tree, `comment_edit`)."""
    start = text.index(CLASS_LINE)
    end = text.index("\n", start)
    return text[:end] + "\n    " + statement + text[end:]


def _holds(tree_nodes: set[int]) -> list[str]:
    """Which tree-holding caches still reference a node of `tree_nodes`."""
    holders = []
    if any(id(tree) in tree_nodes for tree, _ in source._parse_cache.values() if tree):
        holders.append("parse cache")
    if any(id(model.node) in tree_nodes for model in caches.class_cache.values()):
        holders.append("class cache")
    if any(id(node) in tree_nodes for node, _ in walk._walked.values()):
        holders.append("walk")
    if any(id(node) in tree_nodes for node, _ in walk._owned.values()):
        holders.append("own nodes")
    if any(id(levels.nodes[0]) in tree_nodes for levels in walk._levels):
        holders.append("walk levels")
    if any(id(node) in tree_nodes for node, _ in node_index._indexed.values()):
        holders.append("node index")
    if any(id(node) in tree_nodes for node, _ in layout._methods.values()):
        holders.append("shape methods")
    if any(id(node) in tree_nodes for node, _ in layout._class_facts.values()):
        holders.append("shape class facts")
    if any(id(run.node) in tree_nodes for run in replay._runs.values()):
        holders.append("shape runs")
    return holders


def _class_block(path: str):
    return next(block for block in document_state._documents[path].blocks
                if block.tree is not None and block.text.startswith(CLASS_LINE))


def test_an_edit_forgets_the_trees_of_the_replaced_block(tmp_path: Path) -> None:
    path = str(tmp_path / "model.py")
    first = analyse(TEXT, path=path)
    old_block = _class_block(path)
    assert old_block.tree is not None
    old_nodes = {id(node) for node in walk.walk(old_block.tree)}
    assert _holds(old_nodes)  # the analysis used them

    edited = _edited(TEXT)
    result = analyse(edited, path=path)

    assert _holds(old_nodes) == []
    assert old_block.text not in source._parse_cache
    caches.clear()
    assert result == analyse(edited, path=None)
    # The old text comes back (an undo): parsed again, same findings as the first time.
    assert analyse(TEXT, path=path) == first


def test_the_server_lets_the_replaced_trees_go_once_its_diagnostics_are_out(
        tmp_path: Path) -> None:
    """Inside `retiring_later` (the server publishes in it) the replaced block's tree is kept
    until the block ends; then it is let go as without it, and the findings do not change."""
    path = str(tmp_path / "model.py")
    analyse(TEXT, path=path)
    old_block = _class_block(path)
    assert old_block.tree is not None
    old_nodes = {id(node) for node in walk.walk(old_block.tree)}
    edited = _edited(TEXT)

    with document_state.retiring_later():
        result = analyse(edited, path=path)
        assert "parse cache" in _holds(old_nodes)
        with document_state.retiring_later():  # a nested block leaves it to the outer one
            pass
        assert "parse cache" in _holds(old_nodes)

    assert _holds(old_nodes) == []
    assert old_block.text not in source._parse_cache
    caches.clear()
    assert result == analyse(edited, path=None)


_SHARED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
"""Node types the parser shares between trees (one `Load()`, one `Add()`...)."""


def test_no_node_of_a_replaced_block_stays_alive(tmp_path: Path) -> None:
    """Whatever cache a rule or pass adds, a retired block's tree must not outlive the edit
    (node-keyed caches bounded only by count kept 2 MiB of old trees on the 10k benchmark)."""
    path = str(tmp_path / "model.py")
    text = _edited(TEXT, f"{tmp_path.name} = 1")  # no other document shares the class's tree
    analyse(text, path=path)
    tree = _class_block(path).tree
    assert tree is not None
    old_nodes = [weakref.ref(node) for node in walk.walk(tree) if not isinstance(node, _SHARED)]
    del tree

    analyse(_edited(text), path=path)
    gc.collect()

    alive = [ref() for ref in old_nodes if ref() is not None]
    assert [type(node).__name__ for node in alive] == []


def test_unchanged_blocks_keep_their_trees(tmp_path: Path) -> None:
    path = str(tmp_path / "model.py")
    analyse(TEXT, path=path)
    unchanged = [block for block in document_state._documents[path].blocks
                 if block.tree is not None and not block.text.startswith(CLASS_LINE)]
    analyse(_edited(TEXT), path=path)
    for block in unchanged:
        assert source._parse_cache[block.text][0] is block.tree


def test_walks_and_node_groupings_serve_one_analysis(tmp_path: Path) -> None:
    """A new version of a document drops every remembered walk: what is left after an edit
    is what that edit's analysis walked (the edited class's new tree), not the whole file."""
    path = str(tmp_path / "model.py")
    analyse(TEXT, path=path)
    walked_at_open = {id(node) for node, _ in walk._walked.values()}
    analyse(_edited(TEXT), path=path)
    still_walked = {id(node) for node, _ in walk._walked.values()}
    assert len(still_walked & walked_at_open) < len(walked_at_open) / 4
    assert len(node_index._indexed) < len(walked_at_open) / 4


def test_forget_document_drops_its_state_only(tmp_path: Path) -> None:
    closed, kept = str(tmp_path / "closed.py"), str(tmp_path / "kept.py")
    broken = TEXT.replace("def call(self", "def call(self (", 1)
    for path in (closed, kept):
        analyse(TEXT, path=path)
        analyse(broken, path=path)  # a half-typed block: its last good findings are kept
    assert any(key[0] == closed for key in caches.last_good)

    document_memory.forget_document(closed)

    assert closed not in document_state._documents and closed not in block_memo._memos
    assert not any(key[0] == closed for key in caches.last_good)
    assert kept in document_state._documents and kept in block_memo._memos
    assert any(key[0] == kept for key in caches.last_good)
    # Opened again: analysed from scratch, as a fresh analysis.
    reopened = analyse(TEXT, path=closed)
    caches.clear()
    assert reopened == analyse(TEXT, path=None)
