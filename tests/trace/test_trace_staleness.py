"""Trace results follow their code when lines move, and are dropped when the code changes."""

from __future__ import annotations

from textwrap import dedent

from layerlint.trace.staleness import anchor, relocate

TEXT = dedent("""\
    import keras


    class Net(keras.Model):
        def call(self, x):
            return self.dense(x)


    def unrelated():
        return 1
    """)


def test_edits_elsewhere_only_shift_the_lines():
    saved = anchor(TEXT, [6])
    edited = "# a new comment\n# and another\n" + TEXT.replace("return 1", "return 2")
    line_map = relocate(saved, edited)
    assert line_map is not None
    assert line_map(6) == 8
    assert line_map(10) is None  # not part of what was traced


def test_an_edit_inside_the_traced_class_makes_the_result_stale():
    saved = anchor(TEXT, [6])
    assert relocate(saved, TEXT.replace("self.dense(x)", "self.dense(x) * 2")) is None


def test_a_syntax_error_elsewhere_keeps_the_result():
    saved = anchor(TEXT, [6])
    line_map = relocate(saved, TEXT + "\ndef broken(:\n")
    assert line_map is not None and line_map(6) == 6


def test_unparsable_traced_text_is_one_block():
    broken = "import keras\nx = (\n"
    saved = anchor(broken, [2])
    assert relocate(saved, broken)(2) == 2
    assert relocate(saved, broken + "y = 1\n") is not None
    assert relocate(saved, broken.replace("x", "z")) is None
