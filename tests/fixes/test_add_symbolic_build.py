"""The LL206 fix: a build() that traces call() on a symbolic input."""

import pytest

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix

BUILD = (
    "    def build(self, input_shape):\n"
    "        # Trace call() once on a symbolic input: every sublayer creates its weights.\n"
    "        self.compute_output_spec({keras}.KerasTensor(input_shape))\n"
)


def _fix(source: str) -> str:
    return apply_fix(source, parse_fix_request("add-symbolic-build", {"class_name": "Net"}, "t"))


def test_goes_right_after_init():
    source = (
        "import keras\n\n\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.dense = keras.layers.Dense(1)\n"
        "\n"
        "    def call(self, x):\n"
        "        return self.dense(x)\n"
    )
    assert _fix(source) == source.replace(
        "\n    def call", "\n" + BUILD.format(keras="keras") + "\n    def call")


def test_without_init_goes_first_and_imports_keras_when_needed():
    source = "from keras import Model\n\n\nclass Net(Model):\n    def call(self, x):\n        return x\n"
    fixed = _fix(source)
    assert fixed == (
        "from keras import Model\nimport keras\n\n\nclass Net(Model):\n"
        + BUILD.format(keras="keras") + "\n    def call(self, x):\n        return x\n")


def test_a_class_with_build_is_left_alone():
    with pytest.raises(FixError):
        _fix("import keras\n\n\nclass Net(keras.Model):\n    def build(self, s):\n        pass\n")
