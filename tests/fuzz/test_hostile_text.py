"""Text nobody means to write, and text everybody writes by accident: random deletions and
insertions in fixtures, random bytes, BOMs, tabs and CRLF mixes, deep nesting, very long
lines, and non-UTF-8 files given to `layerlint check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_invariants import check_everything, fixture_texts, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from layerlint.cli import main

TEXTS = fixture_texts()
PIECES = ["(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "\n", "\r\n", "\r", "    ", "\t",
          "self.", "bn", "x", "def ", "class ", "return ", "for ", "in ", "if ", "else:",
          "lambda", "'", '"', '"""', "#", "\\", "@", "*", "**", "...", "\x00", "\ufeff", "é",
          "\U0001f600", "\x0c", "\u2028", "\ud800", "super().__init__()", "layers.Dense(4)",
          "nn.ModuleList(", "keras.layers.BatchNormalization()", "# layerlint: ignore["]
INSERTION = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        removed = draw(st.integers(0, 40))
        text = text[:at] + (draw(INSERTION) if draw(st.booleans()) else "") + text[at + removed:]
    return text


@fuzz_settings(examples=500)
@given(text=mutated_fixture())
def test_random_deletions_and_insertions(text: str) -> None:
    check_everything(text, label="mutated fixtures")


@fuzz_settings(examples=300)
@given(data=st.binary(max_size=2000), encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_random_bytes(data: bytes, encoding: str) -> None:
    check_everything(data.decode(encoding, errors="replace"), label="random bytes")


@fuzz_settings(examples=150)
@given(text=st.sampled_from(TEXTS), bom=st.booleans(), crlf=st.floats(0, 1),
       tabs=st.booleans(), lone_cr=st.booleans())
def test_boms_tabs_and_line_ending_mixes(text: str, bom: bool, crlf: float, tabs: bool,
                                         lone_cr: bool) -> None:
    lines = text.split("\n")
    if tabs:
        lines = [line.replace("    ", "\t") for line in lines]
    cut = int(len(lines) * crlf)
    mixed = "\r\n".join(lines[:cut]) + ("\r" if lone_cr else "\n") + "\n".join(lines[cut:])
    check_everything(("\ufeff" if bom else "") + mixed, label="BOM, tabs and CRLF mixes")


def _nested_class(depth: int) -> str:
    body = "".join(f"{'    ' * level}def f{level}(self, x):\n" for level in range(depth))
    return ("import keras\nclass M(keras.Model):\n    def __init__(self):\n"
            "        self.bn = keras.layers.BatchNormalization()\n"
            + "\n".join("    " + line for line in body.splitlines()) + "\n"
            + "    " * (depth + 1) + "return self.bn(self.bn(x))\n")


DEEP_AND_LONG = {
    "parentheses_10000": "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
    "unclosed_brackets": "y = " + "[" * 5000 + "\n",
    "binop_chain_50000": "x = 1" + " + 1" * 50_000 + "\n",
    "attribute_chain_20000": "x = a" + ".b" * 20_000 + "\n",
    "call_chain_5000": "x = f" + "(x)" * 5000 + "\n",
    "nested_lists_190": "x = " + "[" * 190 + "]" * 190 + "\n",
    "nested_defs_99": _nested_class(95),
    "nested_ifs_120": "".join(f"{' ' * level}if x:\n" for level in range(120)) + " " * 120 + "pass\n",
    "layer_calls_nested_150": (
        "import keras\nclass M(keras.Model):\n    def __init__(self):\n"
        "        self.bn = keras.layers.BatchNormalization()\n    def call(self, x):\n"
        "        return " + "self.bn(" * 150 + "x" + ")" * 150 + "\n"),
    "long_line_1m": "x = '" + "a" * 1_000_000 + "'\n",
    "many_statements_one_line": "import keras\nbn = keras.layers.BatchNormalization()\n"
                                + "; ".join("y = bn(y)" for _ in range(300)) + "\n",
    "three_thousand_blocks": "\n".join(f"def f{i}():\n    return {i}\n" for i in range(3000)),
    "null_bytes": "x = 1\x00\nclass A:\x00 pass\n",
    "only_bom": "\ufeff",
    "empty": "",
    "form_feeds_and_separators": "x = 1\x0c\ny = 2\u2028z = 3\x1c\n# \u2029\n",
}


@pytest.mark.parametrize("name", list(DEEP_AND_LONG))
def test_deep_nesting_and_long_lines(name: str) -> None:
    check_everything(DEEP_AND_LONG[name], label="deep nesting and long lines")


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00x = 1\n", b"import keras\nx = '\xe9'\n", "x = 'é'\n".encode("latin-1"),
    b"\xef\xbb\xbfimport keras\r\nbn = keras.layers.BatchNormalization()\r\n", b"\x00" * 100,
])
def test_layerlint_check_on_odd_files(tmp_path: Path, content: bytes,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "odd.py"
    path.write_bytes(content)
    assert main(["check", "--format", "json", str(path)]) in (0, 1)
    assert "internal error" not in capsys.readouterr().err
