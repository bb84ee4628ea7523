"""A script's top-level call of its own function with constant arguments is replayed by the next
run that makes the same call (`shapes/call_memo.py`): the shapes are those of an inference of
the whole text, and the model it returns is the run's own copy."""

import pytest
from document_shapes import clear_shape_caches, shapes_of

from layerlint.analysis import document_state
from layerlint.analysis.shapes import infer

SCRIPT = """import keras
from keras import layers

WIDTH = 4


def build(n):
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(n), layers.Dense(WIDTH)])
    return model


note = 1
model = build(6)
model.add(layers.RepeatVector(2))
"""
"""`RepeatVector` takes a 2-D input only: a second one left in a replayed model by the last run
would be an error."""


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_shape_caches()
    yield
    clear_shape_caches()


def _builds(monkeypatch) -> list[int]:
    """Grows by one each time `build` is interpreted."""
    runs: list[int] = []
    original = infer.Interpreter._call_function

    def counted(self, function, *args, **kwargs):
        if function.name == "build":
            runs.append(1)
        return original(self, function, *args, **kwargs)

    monkeypatch.setattr(infer.Interpreter, "_call_function", counted)
    return runs


def _outputs(shapes) -> dict[int, str]:
    return {call.line: call.output_text for call in shapes.calls}


def _edited(script: str, notes: range) -> list:
    """The script's shapes after each edit of `note = ...` above the call, and those of a whole
    inference of the same text."""
    path = "/nonexistent/script.py"
    found = []
    for number in notes:
        text = script.replace("note = 1", f"note = {number}")
        with document_state.retiring_later():
            found.append((shapes_of(text, path), infer._infer_text(text, None, None)))
    return found


def test_a_call_with_constant_arguments_is_replayed(monkeypatch):
    builds = _builds(monkeypatch)
    found = _edited(SCRIPT, range(1, 5))
    assert all(incremental == whole for incremental, whole in found)
    # The first run and each whole inference interpret `build`; the edited runs replay it.
    assert len(builds) == 1 + len(found)
    assert _outputs(found[-1][0]) == {8: "(None, 4)", 14: "(None, 2, 4)"}
    assert not found[-1][0].errors  # one RepeatVector in the replayed model, never two


def test_a_constant_the_function_reads_is_part_of_the_call(monkeypatch):
    _edited(SCRIPT, range(1, 3))
    builds = _builds(monkeypatch)
    wider = SCRIPT.replace("WIDTH = 4", "WIDTH = 5")
    (incremental, whole), = _edited(wider, range(3, 4))
    assert incremental == whole and len(builds) == 2
    assert _outputs(incremental)[8] == "(None, 5)"


def test_a_call_with_a_layer_argument_is_interpreted_again(monkeypatch):
    script = SCRIPT.replace("def build(n):", "def build(n, head=None):").replace(
        "build(6)", "build(6, layers.Dense(3))")
    _edited(script, range(1, 2))
    builds = _builds(monkeypatch)
    found = _edited(script, range(2, 4))
    assert all(incremental == whole for incremental, whole in found)
    assert len(builds) == 2 * len(found)


def test_a_call_of_a_function_that_moved_is_replayed_where_it_sits(monkeypatch):
    script = SCRIPT.replace("note = 1\n", "").replace("WIDTH = 4\n", "WIDTH = 4\nnote = 1\n")
    _edited(script, range(1, 2))
    builds = _builds(monkeypatch)
    path = "/nonexistent/script.py"
    for lines in (1, 2, 1):  # lines opened above `build`, and `note` edited with them
        text = script.replace("note = 1\n", f"note = {lines + 1}\n" + "\n" * lines)
        with document_state.retiring_later():
            incremental = shapes_of(text, path)
        assert incremental == infer._infer_text(text, None, None)
        assert _outputs(incremental)[9 + lines] == "(None, 4)"  # `build`'s Dense(WIDTH)
    assert len(builds) == 3  # the whole inferences only
