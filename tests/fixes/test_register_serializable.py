"""The LL207 fix: the registration decorator, spelled the way the module imports Keras."""

import ast

import pytest

from layerlint.fix_requests import parse_fix_request
from layerlint.fixes import FixError, apply_fix
from layerlint.syntax.imports import collect_imports
from layerlint.syntax.keras_registration import registration_decorator


def _fix(source: str, framework: str = "keras") -> str:
    return apply_fix(source, parse_fix_request("register-serializable",
                                               {"class_name": "Block", "framework": framework}, "t"))


@pytest.mark.parametrize("imports, framework, expected", [
    ("import keras", "keras", ("keras.saving.register_keras_serializable", None)),
    ("from keras import saving", "keras", ("saving.register_keras_serializable", None)),
    # tf.keras has no `saving` attribute (TensorFlow 2.21); its utils alias is the same function
    ("import tensorflow as tf", "keras", ("tf.keras.utils.register_keras_serializable", None)),
    ("from tensorflow import keras", "keras", ("keras.utils.register_keras_serializable", None)),
    ("from keras import layers", "keras", ("keras.saving.register_keras_serializable", "import keras")),
    ("import tf_keras", "tf_keras", ("tf_keras.saving.register_keras_serializable", None)),
])
def test_decorator_spelling(imports, framework, expected):
    assert registration_decorator(collect_imports(ast.parse(imports).body), framework) == expected


def test_goes_above_existing_decorators_and_keeps_the_rest():
    source = "import tf_keras\n\n\n# comment\n@dataclass\nclass Block(tf_keras.layers.Layer):\n    pass\n"
    assert _fix(source, "tf_keras") == source.replace(
        "@dataclass\n", "@tf_keras.saving.register_keras_serializable()\n@dataclass\n")


def test_unknown_framework_is_a_fix_error():
    with pytest.raises(FixError):
        _fix("import torch\n\n\nclass Block:\n    pass\n", "torch")
