"""Name resolution through imports (analysis/imports.py) and framework classification."""

import ast

import pytest

from layerlint.analysis.frameworks import framework_of, model_base_framework
from layerlint.syntax.imports import collect_imports, qualified_name

IMPORTS = """
import keras
import tensorflow as tf
import torch.nn as nn
from keras import layers as L
from tensorflow.keras.layers import BatchNormalization as BN
try:
    import tf_keras
except ImportError:
    tf_keras = None
"""


@pytest.fixture(scope="module")
def table():
    return collect_imports(ast.parse(IMPORTS).body)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("keras.layers.Dense", "keras.layers.Dense"),
        ("tf.keras.layers.Conv2D", "tensorflow.keras.layers.Conv2D"),
        ("L.BatchNormalization", "keras.layers.BatchNormalization"),
        ("BN", "tensorflow.keras.layers.BatchNormalization"),
        ("nn.BatchNorm2d", "torch.nn.BatchNorm2d"),
        ("tf_keras.layers.Dense", "tf_keras.layers.Dense"),
        ("unknown.thing", "unknown.thing"),
    ],
)
def test_qualified_name(table, expression, expected):
    assert qualified_name(ast.parse(expression, mode="eval").body, table) == expected


@pytest.mark.parametrize(
    ("qualified", "framework"),
    [
        ("keras.layers.Layer", "keras"),
        ("keras.Model", "keras"),
        ("tensorflow.keras.Model", "keras"),
        ("tf_keras.layers.Layer", "tf_keras"),
        ("torch.nn.Module", "torch"),
        ("torch.nn.modules.module.Module", "torch"),
        ("keras.layers.Dense", None),
        ("mylib.Layer", None),
    ],
)
def test_model_base_framework(qualified, framework):
    assert model_base_framework(qualified) == framework


def test_framework_of_roots():
    assert framework_of("tensorflow.keras.layers.Dense") == "keras"
    assert framework_of("numpy.zeros") is None
