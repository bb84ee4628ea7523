"""The block memo carries a document's unchanged blocks' findings to its next analysis; inside
`suspended()` (a `layerlint check`) it keeps nothing and the findings are the same."""

from __future__ import annotations

from pathlib import Path

from layerlint.analysis import analyse, block_memo

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
