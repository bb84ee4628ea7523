"""The LL205 fix: `self.built = False` at the end of __init__, or a new forwarding __init__."""

import pytest

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix
from layerlint.fixes.reset_built import RESET


def _fix(source: str, line: int = 4) -> str:
    data = {"class_name": "Pool", "definition_line": line}
    return apply_fix(source, parse_fix_request("reset-built", data, "t"))


def test_appends_to_an_existing_init_before_a_final_bare_return():
    source = (
        "import keras\n\n\n"
        "class Pool(keras.layers.MaxPooling2D):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.extra = 1  # note\n"
        "        return\n"
        "\n"
        "    def build(self, input_shape):\n"
        "        self.w = self.add_weight(shape=())\n"
    )
    assert _fix(source) == source.replace(
        "        return\n", "        " + RESET + "        return\n")


def test_adds_an_init_after_the_docstring_keeping_two_space_indentation():
    source = (
        "import keras\n\n\n"
        "class Pool(keras.layers.MaxPooling2D):\n"
        '  """Docs."""\n'
        "  def build(self, input_shape):\n"
        "    self.w = self.add_weight(shape=())\n"
    )
    assert _fix(source) == source.replace('  """Docs."""\n', (
        '  """Docs."""\n\n'
        "  def __init__(self, *args, **kwargs):\n"
        "    super().__init__(*args, **kwargs)\n"
        "    " + RESET + "\n"
    ))


def test_class_line_may_point_at_a_decorator():
    source = "import keras\n\n\n@dec\nclass Pool(keras.layers.ReLU):\n    def build(self, s):\n        pass\n"
    assert "def __init__(self, *args, **kwargs)" in _fix(source, line=4)


def test_one_line_class_is_a_fix_error():
    with pytest.raises(FixError):
        _fix("import keras\n\n\nclass Pool(keras.layers.ReLU): pass\n")
