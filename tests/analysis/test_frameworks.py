"""Which framework a qualified name belongs to."""

from __future__ import annotations

import pytest

from layerlint.analysis.frameworks import framework_of


@pytest.mark.parametrize(("qualified", "framework"), [
    ("keras", "keras"), ("keras.layers.Dense", "keras"), ("tensorflow.keras", "keras"),
    ("tensorflow.keras.layers.Dense", "keras"), ("tensorflow.python.keras.layers.Dense", "keras"),
    ("tensorflow.python.keras", "keras"), ("tf_keras.layers.Dense", "tf_keras"),
    ("torch.nn.Linear", "torch"), ("torch", "torch"),
    ("tensorflow", None), ("tensorflow.python", None), ("tensorflow.kerasx.Dense", None),
    ("tensorflow.python.kerasx", None), ("kerasx.layers", None), ("keras_hub.layers.X", None),
    ("numpy.ndarray", None), ("", None),
])
def test_framework_of(qualified, framework):
    assert framework_of(qualified) == framework
