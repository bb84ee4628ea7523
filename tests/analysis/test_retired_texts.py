"""Results cached per block text outlive the text's place in a document only for the last
retired texts (`retired_texts`): a long typing session does not fill the caches with every
version of the edited class, an undo within the window still finds its findings, and the
findings stay those of a fresh analysis."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest

from layerlint.analysis import caches, document_memory, keras_target, retired_texts
from layerlint.analysis.engine import analyse

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "examples" / "feature_extractor.py").read_text()


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retired_texts, "_recent", OrderedDict())
    monkeypatch.setattr(retired_texts, "_leaving", set())
    monkeypatch.setattr(retired_texts, "_made_up_later", [False])  # no server publishing here


def test_texts_past_the_window_are_forgotten_together(isolated: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache: dict = {}
    monkeypatch.setattr(retired_texts, "_caches", [cache])
    texts = [f"class Block{number}: pass\n" for number in range(200)]
    for text in texts:
        cache[(text, "label")] = 1
        cache[text] = 2
    held = {texts[0]}  # a document holds this one again (an undo)
    for text in texts[:retired_texts.KEPT + retired_texts.FORGET_EVERY - 1]:
        retired_texts.retire([text], lambda: held)
    assert len(cache) == 400  # nothing forgotten before FORGET_EVERY texts left the window
    retired_texts.retire([texts[retired_texts.KEPT + retired_texts.FORGET_EVERY - 1]],
                         lambda: held)
    left = {key if isinstance(key, str) else key[0] for key in cache}
    forgotten = set(texts[1:retired_texts.FORGET_EVERY])
    assert not left & forgotten
    assert texts[0] in left  # held by a document
    assert set(texts[retired_texts.FORGET_EVERY:]) <= left  # the window, and never retired


def test_a_server_forgets_between_edits_and_its_edits_scan_only_past_the_late_limit(
        isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a publish (`forget_due`) the scan of the caches is made there, not in the edit
    that retired the texts; `retire` scans only when `LATE_LIMIT` texts wait (no publish
    came)."""
    cache: dict = {}
    monkeypatch.setattr(retired_texts, "_caches", [cache])
    texts = [f"class Block{number}: pass\n" for number in range(400)]
    cache.update((text, 1) for text in texts)
    retired_texts.forget_due(set)  # a server: nothing waits yet
    leaving = retired_texts.KEPT + retired_texts.FORGET_EVERY
    for text in texts[:leaving]:
        retired_texts.retire([text], set)
    assert len(cache) == 400  # the edits left the scan to the next publish
    retired_texts.forget_due(set)
    assert set(cache) == set(texts[retired_texts.FORGET_EVERY:])
    for text in texts[leaving:leaving + retired_texts.LATE_LIMIT]:
        retired_texts.retire([text], set)  # no publish in between: the bound holds
    assert len(cache) == 400 - retired_texts.FORGET_EVERY - retired_texts.LATE_LIMIT


def test_a_text_retired_again_returns_to_the_window(isolated: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cache: dict = {}
    monkeypatch.setattr(retired_texts, "_caches", [cache])
    texts = [f"x = {number}\n" for number in range(retired_texts.KEPT + 40)]
    cache.update((text, 1) for text in texts)
    for text in texts:
        retired_texts.retire([text], set)
        retired_texts.retire([texts[0]], set)  # retired again and again: always recent
    assert texts[0] in cache
    assert texts[1] not in cache


def test_a_long_edit_session_keeps_the_last_versions_and_fresh_findings(
        tmp_path: Path, isolated: None) -> None:
    path = str(tmp_path / "model.py")
    start = TEXT.index("class ")
    header_end = TEXT.index("\n", start)
    analyse(TEXT, path=path)
    versions = [TEXT[:header_end] + f"  # edit {number}" + TEXT[header_end:]
                for number in range(150)]
    for text in versions:
        result = analyse(text, path=path)
    retired = {text for text in (key[0] for key in caches.block_cache)
               if "# edit" in text and text not in versions[-1]}
    # The edited class's earlier versions: at most the window and one batch still leaving.
    assert 0 < len(retired) <= retired_texts.KEPT + retired_texts.FORGET_EVERY
    assert not any("# edit 3\n" in key for key in keras_target._block_cache)
    undo = analyse(versions[-2], path=path)  # within the window: its findings are cached
    caches.clear()
    document_memory.forget_document(path)
    assert analyse(versions[-2], path=str(tmp_path / "fresh.py")).findings == undo.findings
    assert result.findings == analyse(versions[-1], path=str(tmp_path / "fresh2.py")).findings
