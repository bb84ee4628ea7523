"""Keys typed into a script's own code start the shape inference at the statement being edited,
from a copy of the state the statements above it left (`shapes/resume.py`); the shapes are
those of an inference of the whole text."""

import ast

import pytest
from document_shapes import clear_shape_caches, shapes_of

from layerlint.analysis import document_state
from layerlint.analysis.shapes import infer, resume

SCRIPT = """import keras
from keras import layers


def head(t):
    return layers.Dense(2)(t)


x = keras.Input(shape=(8,))
model = keras.Sequential([layers.Dense(4)])
y = model(x)
z = head(y)
"""

TYPED = ("model.add(layers.RepeatVector(2))", "out = model(x)")
"""`RepeatVector` takes a 2-D input only: a second one left over from the last run in the
model would turn the call of `model` into an error."""


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_shape_caches()
    yield
    clear_shape_caches()


def _typed(base: str) -> list[str]:
    """The texts of `TYPED` typed a key at a time at the end of `base`."""
    texts, done = [], base
    for statement in TYPED:
        texts.extend(done + statement[:keys] for keys in range(len(statement) + 1))
        done = texts[-1] + "\n"
        texts.append(done)
    return texts


def _starts(monkeypatch) -> list[int]:
    """The body index each resumable run starts from."""
    starts: list[int] = []
    original = resume.resumed

    def recorded(interpreter):
        start, keep_at = original(interpreter)
        starts.append(start)
        return start, keep_at

    monkeypatch.setattr(resume, "resumed", recorded)
    return starts


def _whole(text: str):
    """The text's shapes from an inference of every statement (never resumed, caches kept)."""
    return infer._infer_text(text, None, None)


def _parses(text: str) -> bool:
    """Whether the whole text parses (where it does not, the editor leaves the broken block
    out, which an inference of the text cannot)."""
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def test_keys_below_the_model_run_only_from_the_edit(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    shapes_of(SCRIPT, path)
    starts = _starts(monkeypatch)
    for text in _typed(SCRIPT):
        with document_state.retiring_later():
            found = shapes_of(text, path)
        if _parses(text):
            assert found == _whole(text), text
    # The opening run kept a checkpoint after its last statement, `z` (index 6: the imports,
    # `x`, `model`, `y`, `z`); every run starts there or, once the first typed statement is
    # done, after it.
    assert set(starts) == {6, 7}
    assert [call.output_text for call in found.on_line(13)] == ["(None, 2, 4)"]  # RepeatVector


def test_a_model_changed_below_the_checkpoint_is_changed_in_a_copy(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    shapes_of(SCRIPT, path)
    starts = _starts(monkeypatch)
    for argument in ("2", "n=2", "(2)", "n=(2)", "2,"):  # the `model.add` line, changed
        text = SCRIPT + TYPED[0].replace("2", argument) + "\n" + TYPED[1] + "\n"
        with document_state.retiring_later():
            found = shapes_of(text, path)
        assert not found.errors  # one RepeatVector in the model each time, never two
        assert found == _whole(text)
    assert starts[1:] == [6, 6, 6, 6]


def test_an_edited_definition_runs_the_script_again(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    for text in _typed(SCRIPT)[:5]:
        shapes_of(text, path)
    starts = _starts(monkeypatch)
    edited = _typed(SCRIPT)[5].replace("Dense(2)", "Dense(5)")
    found = shapes_of(edited, path)
    assert starts == [0]  # `z = head(y)` is above the edit, and `head` changed
    assert found == _whole(edited)
    assert [call.output_text for call in found.on_line(6)] == ["(None, 5)"]


def test_a_shape_comment_is_never_resumed(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    commented = SCRIPT.replace("def head", "# layerlint: input-shape=(3, 8)\ndef head")
    shapes_of(commented, path)
    starts = _starts(monkeypatch)
    for text in _typed(commented)[:6]:
        found = shapes_of(text, path)
        assert not _parses(text) or found == _whole(text)
    assert starts == []


def test_the_checkpoint_lets_go_of_a_block_that_left(tmp_path):
    path = str(tmp_path / "a.py")
    texts = _typed(SCRIPT)[:len(TYPED[0]) + 1]  # the first statement, finished
    for text in texts:
        with document_state.retiring_later():
            shapes_of(text, path)
    assert resume._checkpoint
    statement = resume._checkpoint[0].prefix[-1][0]
    assert ast.unparse(statement) == "z = head(y)"
    infer.forget([statement])  # what `document_memory` does with a block that left
    assert resume._checkpoint[0].prefix[-1][0] == ast.dump(statement, include_attributes=True)
    definition = resume._checkpoint[0].definitions[0][0]
    infer.forget([definition])  # `head`: a definition that left is no more the same
    assert not resume._checkpoint


def test_a_checkpoint_holds_only_the_statements_above_the_edit(tmp_path):
    path = str(tmp_path / "a.py")
    texts = _typed(SCRIPT)[:len(TYPED[0]) + 1]
    for text in texts:
        with document_state.retiring_later():
            shapes_of(text, path)
    edited = texts[-1].replace("z = head(y)", "z = head(x)")
    found = shapes_of(edited, path)
    assert found == _whole(edited)
    assert [ast.unparse(statement) for statement, _ in resume._checkpoint[0].prefix][2:] == [
        "x = keras.Input(shape=(8,))", "model = keras.Sequential([layers.Dense(4)])",
        "y = model(x)"]


MIDDLE = """import keras
from keras import layers


def head(t):
    return {call}(t)


x = keras.Input(shape=(8,))
z = head(x)


def tail(t):
    return layers.Dense(3)(t)


w = tail(z)
"""


@pytest.mark.parametrize(("call", "resumes"), [
    ("layers.Dense(2)", True),  # `tail` moves down, but nothing above the edit ran it
    ("tail", False),  # `z = head(x)` ran `tail`: its calls sit on the lines it had
])
def test_a_definition_moved_below_the_edit(tmp_path, monkeypatch, call, resumes):
    path = str(tmp_path / "a.py")
    script = MIDDLE.format(call=call)
    shapes_of(script, path)
    typed = script.replace("z = head(x)\n", "z = head(x)\nout = z\n")
    shapes_of(typed, path)  # `z = head(x)` parsed again (its block lost a blank line)
    shapes_of(typed.replace("out = z", "out = w"), path)  # keeps a checkpoint before `out`
    starts = _starts(monkeypatch)
    edited = typed.replace("out = z\n", "out = x\n\n")  # a line opened above `tail` too
    with document_state.retiring_later():
        found = shapes_of(edited, path)
    assert found == _whole(edited)
    assert starts == [4 if resumes else 0]  # after the imports, `x` and `z`


def test_the_statement_the_typing_follows_parsed_again_is_no_edit(tmp_path, monkeypatch):
    path = str(tmp_path / "a.py")
    base = SCRIPT.rstrip("\n")  # the newline typed after `z = head(y)` parses its block again
    starts = _starts(monkeypatch)
    for text in (base, base + "\n", base + "\nout = z", base + "\nout = y"):
        with document_state.retiring_later():
            found = shapes_of(text, path)
        assert found == _whole(text)
    # The opening run keeps a checkpoint after `z = head(y)`; the new line reuses the shapes;
    # both typed versions start after `z = head(y)`, parsed again, not before it.
    assert starts == [0, 6, 6]
    assert resume._checkpoint[0].prefix[-1][0] is not None
