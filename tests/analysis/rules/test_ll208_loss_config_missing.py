"""LL208 against its fixtures (tests/fixtures/custom/b_ll208_*.py), and its quick-fix under Keras.

Measured in the fixtures (Keras 3.15.1 and tf-keras 2.21): a Loss subclass with arguments of
its own and no get_config() comes back from a model file with its defaults (Focal's gamma 3.0
becomes 2.0), or not at all when an argument has no default; with the generated get_config the
arguments survive.
"""

from __future__ import annotations

import textwrap

import pytest
from analysis.rules.ground_truth import QuickFixChecks, codes_checked_with, findings

CODES = codes_checked_with("LL208")


class TestGroundTruth(QuickFixChecks):
    code = "LL208"


LOSS = """\
import keras


class Focal(keras.losses.Loss):
    def __init__(self, {arguments}):
        super().__init__()

    def call(self, y_true, y_pred):
        return y_pred
{tail}"""
SAVED = "\nmodel.compile(loss=Focal(2))\nmodel.save('m.keras')\n"


def ll208(arguments: str, tail: str = SAVED) -> list[str]:
    source = LOSS.format(arguments=arguments, tail=tail)
    return [f.severity.value for f in findings(source, CODES) if f.code == "LL208"]


@pytest.mark.parametrize("arguments, tail, expected", [
    ("self, gamma=2.0, **kwargs", SAVED, ["warning"]),
    ("self, gamma, name='focal'", SAVED, ["warning"]),
    ("self, gamma", SAVED + "keras.models.load_model('m.keras')\n", ["error"]),
    ("self, gamma", SAVED + "keras.models.load_model('m.keras', compile=False)\n", ["warning"]),
    ("self, gamma=2.0", "", ["information"]),  # nothing saves a model compiled with it
    ("self, gamma=2.0", "\nmodel.compile(loss=Focal(2))\nmodel.save_weights('m.weights.h5')\n",
     ["information"]),
    ("self, name='focal', reduction='sum_over_batch_size', **kwargs", SAVED, []),
])
def test_severity_by_arguments_and_evidence(arguments, tail, expected):
    assert ll208(arguments, tail) == expected


def test_a_config_of_its_own_or_of_a_local_base_is_trusted():
    source = textwrap.dedent("""\
        import keras

        class Base(keras.losses.Loss):
            def get_config(self):
                return super().get_config()

        class Focal(Base):
            def __init__(self, gamma=2.0):
                super().__init__()

        model.compile(loss=Focal(2))
        model.save('m.keras')
    """)
    assert [f for f in findings(source, CODES) if f.code == "LL208"] == []
