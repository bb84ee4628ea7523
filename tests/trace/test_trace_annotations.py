"""What a trace shows per source line: chained labels, hover records, the error's place."""

from __future__ import annotations

from layerlint.trace.annotations import calls_at, error_site, hover_markdown, line_label, line_notes
from layerlint.trace.results import LayerCall, SourceSite, TensorInfo, TraceError, TraceResult

PATH = "/project/model.py"


def call(index: int, line: int, column: int, end: int, shape_in: tuple, shape_out: tuple | None,
         name: str = "layer", parent: int | None = 0) -> LayerCall:
    site = SourceSite(PATH, line, column, line, end, "call", "x = f(g(x))")
    outputs = (TensorInfo(shape_out, "float32"),) if shape_out else ()
    return LayerCall(index, parent, 1, name, name.title(), (TensorInfo(shape_in, "float32"),),
                     outputs, 10, "CPU:0", site, failed=shape_out is None)


def test_calls_on_one_line_read_as_one_chain():
    calls = [call(1, 5, 13, 40, (1, 32), (1, 16)), call(2, 5, 9, 41, (1, 16), (1, 8))]
    assert line_label(calls) == "(1, 32) -> (1, 16) -> (1, 8)"


def test_unrelated_calls_are_separated_and_failures_shown():
    calls = [call(1, 5, 5, 9, (1, 2), (1, 3)), call(2, 5, 12, 16, (4, 4), None)]
    assert line_label(calls) == "(1, 2) -> (1, 3); (4, 4) -> error"


def test_a_call_in_a_loop_is_shortened_to_its_ends():
    calls = [call(i, 7, 5, 9, (1, i), (1, i + 1)) for i in range(1, 9)]
    assert line_label(calls) == "(1, 1) -> ... -> (1, 9) (8 calls)"


def test_line_notes_skip_the_root_and_other_files():
    root = call(0, 1, 1, 2, (1, 32), (1, 8), parent=None)
    elsewhere = LayerCall(3, 0, 1, "x", "X", (), (), None, None,
                          SourceSite("/other.py", 9, 1, 9, 2))
    result = TraceResult("ok", PATH, calls=(root, call(1, 5, 13, 40, (1, 32), (1, 8)), elsewhere))
    assert [(note.line, note.label) for note in line_notes(result, PATH)] == [
        (5, "(1, 32) -> (1, 8)")]


def test_hover_picks_the_innermost_call_under_the_cursor():
    inner = call(1, 5, 13, 20, (1, 32), (1, 16), name="conv")
    outer = call(2, 5, 9, 21, (1, 16), (1, 8), name="pool")
    result = TraceResult("ok", PATH, target="Net", input_shape=(1, 32), calls=(inner, outer))
    note = line_notes(result, PATH)[0]
    assert calls_at(note, 15) == [inner]
    assert calls_at(note, 10) == [outer]
    assert calls_at(note, 1) == [inner, outer]
    text = hover_markdown([inner], result)
    assert "**conv** (Conv)" in text and "`(1, 32)` float32" in text and "Net" in text


def test_error_site_only_in_the_traced_file():
    site = SourceSite(PATH, 21, 26, 21, 49)
    error = TraceError("forward", "ValueError", "expected axis -1", site=site)
    result = TraceResult("error", PATH, error=error)
    assert error_site(result, PATH) == site
    assert error_site(result, "/elsewhere.py") is None
