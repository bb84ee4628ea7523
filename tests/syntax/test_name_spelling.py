"""Spelling framework names through a module's imports (`layerlint.syntax.import_names`)."""

import ast

import pytest

from layerlint.fix_requests import FixError
from layerlint.syntax.import_names import reference, spelling, tensorflow_name
from layerlint.syntax.imports import collect_imports


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


def test_tensorflow_name_is_the_local_bound_to_the_module_itself():
    assert tensorflow_name(_imports("import tensorflow as tf")) == "tf"
    assert tensorflow_name(_imports("from tensorflow import keras")) is None
