"""`fix_loop.fix_text`: applies the allowed fixes until none is left, never unparseable text."""

import ast
from pathlib import Path

from layerlint import fix_loop
from layerlint.config import Settings
from layerlint.fix_requests import AddSymbolicBuild

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "feature_extractor.py").read_text()


def test_safe_only_by_default_and_unsafe_on_request():
    assert fix_loop.fix_text(EXAMPLE, path=None, settings=Settings()).applied == ()
    outcome = fix_loop.fix_text(EXAMPLE, path=None, settings=Settings(), unsafe_fixes=True)
    assert outcome.applied == ("Split bn into bn_1/bn_2",)
    ast.parse(outcome.text)
    again = fix_loop.fix_text(outcome.text, path=None, settings=Settings(), unsafe_fixes=True)
    assert again.applied == () and again.text == outcome.text


def test_a_fix_whose_output_does_not_parse_is_skipped(monkeypatch):
    monkeypatch.setattr(fix_loop, "apply_fix", lambda text, proposal: text + "\ndef broken(:\n")
    outcome = fix_loop.fix_text(EXAMPLE, path=None, settings=Settings(), unsafe_fixes=True)
    assert outcome == fix_loop.FixOutcome(EXAMPLE, ())
    assert fix_loop._try(EXAMPLE, AddSymbolicBuild(title="t", class_name="Nowhere")) is None
