"""The full-document script: every step is valid code, edits land in different classes far
apart, and the mix holds pastes of 50 lines and deleted classes."""

import ast
import difflib

import pytest

from bench.document_script import PASTE_EVERY, PASTE_LINES, plan_document_edits
from bench.generate_models import generate_module


@pytest.fixture(scope="module")
def steps():
    source = generate_module(2000).text
    return source, plan_document_edits(source, 45)


def _changed(before, after):
    matcher = difflib.SequenceMatcher(None, before.split("\n"), after.split("\n"), autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


def _class_at(text, line):
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.lineno <= line <= node.end_lineno:
            return node.name
    return None


def test_every_step_parses_and_the_mix_is_as_documented(steps):
    _, planned = steps
    for step in planned:
        ast.parse(step.text)
    kinds = [step.kind for step in planned]
    assert kinds[PASTE_EVERY // 2 - 1] == "paste" and kinds[PASTE_EVERY - 1] == "delete"
    assert kinds.count("paste") == 2 and kinds.count("delete") == 2
    assert kinds.count("comment") == len(kinds) - 4


def test_comments_go_to_a_different_class_each_time(steps):
    source, planned = steps
    previous_text, previous_class = source, None
    for step in planned:
        if step.kind == "comment":
            (operation,) = _changed(previous_text, step.text)
            tag, first, last, new_first, new_last = operation
            assert tag == "replace" and last - first == 1 == new_last - new_first
            line = step.text.split("\n")[new_first]
            assert "# reviewed in step" in line
            edited_class = _class_at(step.text, new_first + 1)
            assert edited_class is not None and edited_class != previous_class
            previous_class = edited_class
        previous_text = step.text


def test_a_paste_adds_fifty_lines_of_renamed_definitions_and_a_delete_removes_a_class(steps):
    source, planned = steps
    previous = source
    for step in planned:
        before, after = len(previous.split("\n")), len(step.text.split("\n"))
        if step.kind == "paste":
            assert after - before == PASTE_LINES
            names = {node.name for node in ast.parse(step.text).body if hasattr(node, "name")}
            assert any("Copy" in name for name in names)
        elif step.kind == "delete":
            old = [n.name for n in ast.parse(previous).body if isinstance(n, ast.ClassDef)]
            new = [n.name for n in ast.parse(step.text).body if isinstance(n, ast.ClassDef)]
            assert len(new) == len(old) - 1 and set(new) < set(old)
        previous = step.text
