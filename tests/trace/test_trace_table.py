"""The `model.summary()`-like table with source lines, as text and HTML."""

from __future__ import annotations

from layerlint.trace.results import LayerCall, SourceSite, TensorInfo, TraceError, TraceResult
from layerlint.trace.table import render_html, render_text


def sample_result() -> TraceResult:
    site = SourceSite("/p/model.py", 20, 34, 20, 48, "call", "x = self.conv(x)")
    root = LayerCall(0, None, 0, "net", "Net", (TensorInfo((1, 8), "float32"),), (), None,
                     "CPU:0", None, failed=True)
    conv = LayerCall(1, 0, 1, "conv2d", "Conv2D", (TensorInfo((1, 8), "float32"),),
                     (TensorInfo((1, 4), "float32"),), 1552, "CPU:0", site)
    error = TraceError("forward", "ValueError", "bad <shape>", site=site, layer="conv2d",
                       traceback='  File "/p/model.py", line 20, in call\n')
    return TraceResult("error", "/p/model.py", target="Net", input_shape=(1, 8),
                       input_shape_source="command", framework="keras", device="CPU:0",
                       calls=(root, conv), error=error, elapsed_s=0.5)


def test_text_table_has_locations_nesting_shapes_and_params():
    text = render_text(sample_result())
    lines = text.splitlines()
    assert lines[0].startswith("trace of Net, input (1, 8) (from command), keras, device CPU:0")
    assert lines[1].split() == ["location", "layer", "(class)", "input", "->", "output", "params"]
    row = next(line for line in lines if "conv2d" in line)
    assert row.startswith("/p/model.py:20") and "  conv2d (Conv2D)" in row
    assert "(1, 8) -> (1, 4)" in row and row.endswith("1,552")
    assert "error: /p/model.py:20:34: ValueError in layer conv2d: bad <shape>" in text
    assert "(1, 8) -> error" in text


def test_html_is_escaped_and_shows_the_code():
    page = render_html(sample_result())
    assert "bad &lt;shape&gt;" in page and "<table>" in page
    assert "x = self.conv(x)" in page
