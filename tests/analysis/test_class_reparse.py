"""An edited class parsed from its edited statement down, with the previous tree's statements
above: the same tree, or the same syntax error, as a parse of the whole text."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from layerlint.analysis import class_reparse, source
from layerlint.analysis.class_reparse import reparsed
from layerlint.analysis.source import split_blocks

ROOT = Path(__file__).resolve().parents[2]

CLASS = '''class Residual(keras.layers.Layer):
    """Two convolutions."""

    def __init__(self, filters=8, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.norm = layers.BatchNormalization()

    @property
    def width(self):
        return self.conv.filters

    def call(self, inputs, training=None):
        x = self.norm(self.conv(inputs), training=training)
        return ops.relu(x + inputs)
'''

# What people type inside a class, many of them breaking it.
SNIPPETS = ["\n", "    ", "\n        ", "(", ")", "x", " = ", "#", '"', '"""', "'", "\\", "\t",
            "@dec\n    ", "def f(self):\n", "return x\n", "[", "]", ":", "y = self.norm(",
            "\n\n", "class Z:\n", "if x:\n", "else:\n", "  ", ";", " \\\n", "{", "}", ",",
            "lambda", "try:\n", "except:", 'f"{', "async ", "await ", "yield", "\f", "é"]


def _whole(text: str) -> source.Parsed:
    return source._parsed(text)


def _same(found: source.Parsed, expected: source.Parsed) -> bool:
    if found[0] is None or expected[0] is None:
        return found == expected
    return (ast.dump(found[0], include_attributes=True)
            == ast.dump(expected[0], include_attributes=True))


def _shared(old: str, new: str) -> int:
    limit = min(len(old), len(new))
    shared = 0
    while shared < limit and old[shared] == new[shared]:
        shared += 1
    return shared


def _fixture_classes() -> list[str]:
    classes = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.py"))[:150]:
        for block in split_blocks(path.read_text(encoding="utf-8")):
            body = block.tree.body if block.tree is not None else []
            if len(body) == 1 and isinstance(body[0], ast.ClassDef) and len(body[0].body) >= 2:
                classes.append(block.text)
    return classes


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(4))
def test_random_edits_parse_as_the_whole_text(seed: int) -> None:
    rng = random.Random(seed)
    classes = [CLASS, *_fixture_classes()]
    used = 0
    for _ in range(1500):
        old = rng.choice(classes)
        new = old
        position = rng.randrange(len(old))
        for _ in range(rng.randint(1, 3)):
            at = min(len(new), position + rng.randint(0, 20))
            if rng.random() < 0.3:
                new = new[:at] + new[at + rng.randint(1, 8):]
            else:
                new = new[:at] + rng.choice(SNIPPETS) + new[at:]
        found = reparsed(new, old, ast.parse(old), _shared(old, new))
        if found is not None:
            used += 1
            assert _same(found, _whole(new)), new
    assert used > 300  # most edits below a class's first statement are served


def test_the_statements_above_the_edit_are_the_previous_nodes() -> None:
    old_tree = ast.parse(CLASS)
    new = CLASS.replace("return ops.relu(x + inputs)", "x = self.norm(x)\n        return x")
    tree, error = reparsed(new, CLASS, old_tree, CLASS.index("return ops"))  # type: ignore[misc]
    assert error is None and tree is not None
    old_body, new_body = old_tree.body[0].body, tree.body[0].body  # type: ignore[attr-defined]
    assert new_body[:3] == old_body[:3]  # docstring, __init__, width: the same objects
    assert new_body[3] is not old_body[3]
    assert ast.dump(tree, include_attributes=True) == ast.dump(
        ast.parse(new), include_attributes=True)


def test_an_edit_that_keeps_the_lines_parses_only_its_statement() -> None:
    """The statements below an edit that added no line are the previous nodes too."""
    old_tree = ast.parse(CLASS)
    new = CLASS.replace("layers.Conv2D(filters, 3,", "layers.Conv2D(filters, 5,  # wider\n   ")
    new = new.replace("\n\n    @property", "\n    @property")  # as many lines as before
    found = reparsed(new, CLASS, old_tree, CLASS.index("3, padding"))
    assert found is not None and found[0] is not None
    old_body, new_body = old_tree.body[0].body, found[0].body[0].body  # type: ignore[attr-defined]
    assert new_body[0] is old_body[0] and new_body[1] is not old_body[1]
    assert new_body[2:] == old_body[2:]  # width and call: the same objects
    assert _same(found, _whole(new))


def test_a_broken_edit_gives_the_whole_texts_error() -> None:
    new = CLASS.replace("return ops.relu(x + inputs)", "y = self.norm(\n        return y")
    found = reparsed(new, CLASS, ast.parse(CLASS), CLASS.index("return ops"))
    assert found is not None and found[0] is None
    assert found == _whole(new)


@pytest.mark.parametrize(("before", "after"), [
    ("class Residual(", "class Residual2("),  # the header
    ('    """Two convolutions."""', '    """Two."""'),  # the first statement
    ("    def call(", "  def call("),  # the edited statement's indentation
    ("    def call(", "    # def call("),  # a comment where the statement began
    ("        return ops.relu(x + inputs)\n",
     "        return ops.relu(x - inputs)\nx = 1\n"),  # code at column 0 below
])
def test_edits_it_cannot_serve_parse_the_whole_text(before: str, after: str) -> None:
    new = CLASS.replace(before, after)
    assert reparsed(new, CLASS, ast.parse(CLASS), _shared(CLASS, new)) is None


def test_a_line_continued_into_the_edited_statement_is_refused() -> None:
    old = "class A:\n    x = 1\n    # a comment \\\n    y = 2\n"
    new = old.replace("y = 2", "y = 3")
    assert reparsed(new, old, ast.parse(old), _shared(old, new)) is None


def test_an_edit_inside_a_method_parses_only_its_statement() -> None:
    """An edit that keeps the lines, inside a method whose statements below it are unchanged:
    the method's other statements are the previous nodes (one statement parsed, not the
    method), and the tree is the whole parse's."""
    old_tree = ast.parse(CLASS)
    new = CLASS.replace("x = self.norm(self.conv(inputs)", "x = self.norm(self.conv(x)")
    found = reparsed(new, CLASS, old_tree, CLASS.index("inputs), training"))
    assert found is not None and found[0] is not None
    old_class, new_class = old_tree.body[0], found[0].body[0]
    assert isinstance(old_class, ast.ClassDef) and isinstance(new_class, ast.ClassDef)
    old_call, new_call = old_class.body[-1], new_class.body[-1]
    assert isinstance(old_call, ast.FunctionDef) and isinstance(new_call, ast.FunctionDef)
    assert new_class.body[:-1] == old_class.body[:-1]
    assert new_call is not old_call and new_call.args is old_call.args
    assert new_call.body[0] is not old_call.body[0] and new_call.body[1] is old_call.body[1]
    assert _same(found, _whole(new))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@pytest.mark.parametrize("seed", range(3))
def test_typing_inside_methods_parses_as_the_whole_text(seed: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys typed and deleted one at a time inside method bodies (what the method path
    serves): every tree and error is the whole text's, and most keys parse one statement."""
    served: list[object] = []
    method_reparsed = class_reparse._method_reparsed

    def counted(*args: object) -> object:
        result = method_reparsed(*args)  # type: ignore[arg-type]
        if result is not None:
            served.append(result)
        return result

    monkeypatch.setattr(class_reparse, "_method_reparsed", counted)
    rng = random.Random(seed)
    classes = [CLASS, *_fixture_classes()]
    keys = [*"abxy_.,()[]:=+-*#'\" 0123\\", "\t", "é", "  "]
    checked = 0
    for _ in range(2000):
        old = rng.choice(classes)
        tree = ast.parse(old)
        methods = [stmt for stmt in tree.body[0].body  # type: ignore[attr-defined]
                   if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and len(stmt.body) >= 2]
        if not methods:
            continue
        method = rng.choice(methods)
        line = rng.randint(method.body[1].lineno, method.end_lineno or method.lineno)
        start = class_reparse._line_offset(old, line)
        assert start is not None
        end = old.find("\n", start)
        at = rng.randint(start, end if end >= 0 else len(old))
        if rng.random() < 0.3 and at < len(old) and old[at] != "\n":
            new = old[:at] + old[at + 1:]
        else:
            new = old[:at] + rng.choice(keys) + old[at:]
        found = reparsed(new, old, tree, _shared(old, new))
        if found is not None:
            checked += 1
            assert _same(found, _whole(new)), new
    print(checked, len(served))
    assert checked > 600
    assert len(served) > checked / 3


def test_spaces_put_before_an_unchanged_statement_are_refused() -> None:
    """One change that runs from an edited line into the next statement's indentation (a
    paste over a line end, or two edits sent as one full text) moves that statement's
    columns: its previous node cannot serve. It used to be reused, giving a tree where the
    whole text has an indentation error."""
    old = "class A:\n    x = 0\n    a = 1\n    b = 2\n"
    new = "class A:\n    x = 0\n    a = 3\n      b = 2\n"
    found = reparsed(new, old, ast.parse(old), old.index("1\n"))
    assert found is None or found == _whole(new)
    assert _whole(new)[1] is not None
