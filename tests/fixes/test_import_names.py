"""Spelling framework names through a module's imports, and adding the import a fix needs."""

import ast

import pytest

from layerlint.analysis.imports import collect_imports
from layerlint.fixes import FixError
from layerlint.fixes.import_names import add_import, reference, spelling


def _imports(source: str) -> dict[str, str]:
    return collect_imports(ast.parse(source).body)


@pytest.mark.parametrize("source, expected", [
    ("from torch import nn", "nn.ModuleList"),
    ("import torch.nn as nn", "nn.ModuleList"),
    ("import torch", "torch.nn.ModuleList"),
    ("import torch\nfrom torch import nn", "nn.ModuleList"),  # the shortest spelling wins
    ("from torch.nn import ModuleList", "ModuleList"),
    ("from torch.nn import Linear", None),
    ("import numpy as np", None),
])
def test_spelling_of_a_torch_name(source, expected):
    assert spelling("torch.nn.ModuleList", _imports(source)) == expected


def test_keras_names_reach_through_tensorflow_keras_unless_told_not_to():
    imports = _imports("import tensorflow as tf")
    assert spelling("keras.KerasTensor", imports) == "tf.keras.KerasTensor"
    assert spelling("keras.KerasTensor", imports, equivalents=False) is None
    assert spelling("keras.KerasTensor", _imports("from tensorflow import keras")) == "keras.KerasTensor"


def test_reference_asks_for_an_import_when_nothing_reaches_the_name():
    assert reference(ast.parse("from torch.nn import Linear"), "torch.nn.ModuleDict") == (
        "torch.nn.ModuleDict", "import torch")
    assert reference(ast.parse("import torch"), "torch.nn.ModuleDict") == ("torch.nn.ModuleDict", None)


def test_reference_refuses_a_root_name_bound_to_something_else():
    with pytest.raises(FixError):
        reference(ast.parse("import tf_keras as keras"), "keras.KerasTensor")


@pytest.mark.parametrize("source, expected", [
    ('"""Doc."""\nfrom __future__ import annotations\nimport os\n\nx = 1\n',
     '"""Doc."""\nfrom __future__ import annotations\nimport os\nimport torch\n\nx = 1\n'),
    ('"""Doc."""\n\nx = 1\n', '"""Doc."""\nimport torch\n\nx = 1\n'),
    ("x = 1\n", "import torch\nx = 1\n"),
    ("import os", "import os\nimport torch\n"),  # no newline at the end of the file
    ("import os\r\n\r\nx = 1\r\n", "import os\r\nimport torch\r\n\r\nx = 1\r\n"),
    # imports after the first code are left where they are
    ("import os\nx = 1\nimport sys\n", "import os\nimport torch\nx = 1\nimport sys\n"),
])
def test_add_import_goes_below_the_leading_imports(source, expected):
    assert add_import(source, "import torch") == expected


def test_add_import_of_nothing_changes_nothing():
    assert add_import("x = 1\n", None) == "x = 1\n"
