"""Layers of installed packages, resolved with jedi in the environment (analysis/installed.py),
against the real keras-hub installed by the `test` extra."""

from __future__ import annotations

import asyncio
import importlib.util
import textwrap

import pytest

from layerlint.analysis import analyse, engine, installed
from layerlint.config import Settings

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras_hub") is None, reason="keras-hub is not installed"
)

CHAIN = textwrap.dedent('''
    from keras import layers
    from keras_hub.src.models.efficientnet.cba import CBABlock


    class Stem(layers.Layer):
        def __init__(self):
            super().__init__()
            self.block = CBABlock(8, 8)

        def call(self, x):
            return self.block(self.block(x))
''')


@pytest.fixture(autouse=True)
def fresh_state():
    installed.forget()
    engine._block_cache.clear()
    engine._class_cache.clear()
    yield
    installed.resolve_synchronously()
    installed.forget()


def _reuse(source: str, tmp_path) -> list[tuple[int, str, str]]:
    path = tmp_path / "model.py"
    path.write_text(source)
    result = analyse(source, path=str(path), settings=Settings())
    return [(f.span.line, f.code, f.severity.value) for f in result.findings if f.code < "LL2"]


def test_a_class_is_found_through_the_package_reexport_without_importing_it():
    found = installed.installed_class("keras_hub.layers.TransformerEncoder", None, None)
    assert found is not None and found.framework == "keras"
    assert "_self_attention_layer_norm" in found.model.attributes


def test_functions_and_unknown_names_are_not_layers():
    assert installed.installed_class("keras_hub.src.api_export.keras_hub_export", None, None) is None
    assert installed.installed_class("keras_hub.layers.NoSuchLayer", None, None) is None
    assert installed.installed_class("keras.layers.Dense", None, None) is None  # a framework's


def test_an_installed_block_owning_batch_normalization_is_ll101(tmp_path):
    assert _reuse(CHAIN, tmp_path) == [(12, "LL101", "warning")]


def test_an_installed_subclass_of_a_builtin_layer_inherits_its_weights(tmp_path):
    source = textwrap.dedent('''
        from keras import layers
        from keras_hub.layers import ReversibleEmbedding


        class Twin(layers.Layer):
            def __init__(self):
                super().__init__()
                self.embedding = ReversibleEmbedding(100, 8)

            def call(self, a, b):
                return self.embedding(a) + self.embedding(b)
    ''')
    # ReversibleEmbedding(keras.layers.Embedding): weighted through its built-in base.
    assert _reuse(source, tmp_path) == [(12, "LL103", "information")]


def test_one_layer_in_two_modes_is_not_a_chain(tmp_path):
    source = textwrap.dedent('''
        from keras import layers
        from keras_hub.layers import ReversibleEmbedding


        class TiedLM(layers.Layer):
            def __init__(self):
                super().__init__()
                self.embedding = ReversibleEmbedding(100, 8)
                self.dense = layers.Dense(8)

            def call(self, ids):
                hidden = self.dense(self.embedding(ids))
                return self.embedding(hidden, reverse=True)
    ''')
    assert _reuse(source, tmp_path) == [(14, "LL103", "information")]


def test_a_stateless_installed_layer_is_not_reported(tmp_path):
    source = textwrap.dedent('''
        from keras import layers
        from keras_hub.layers import RotaryEmbedding


        class Attention(layers.Layer):
            def __init__(self):
                super().__init__()
                self.rotary = RotaryEmbedding()

            def call(self, q, k):
                return self.rotary(q), self.rotary(self.rotary(k))
    ''')
    assert installed.installed_class("keras_hub.layers.RotaryEmbedding", None, None) is not None
    assert _reuse(source, tmp_path) == []


async def test_on_the_servers_event_loop_the_first_analysis_does_not_wait_and_the_answer_refreshes(
    tmp_path,
):
    refreshed = asyncio.Event()
    installed.resolve_in_background(refreshed.set)
    assert _reuse(CHAIN, tmp_path) == []  # jedi has not answered yet: analysed without it
    await asyncio.wait_for(refreshed.wait(), timeout=60)  # the listener runs on this loop
    assert _reuse(CHAIN, tmp_path) == [(12, "LL101", "warning")]


def test_off_an_event_loop_resolution_is_synchronous_even_with_a_listener(tmp_path):
    refreshed = []
    installed.resolve_in_background(lambda: refreshed.append(True))
    assert _reuse(CHAIN, tmp_path) == [(12, "LL101", "warning")]
    assert refreshed == []


def test_the_project_interpreter_is_used_when_the_python_setting_names_one(tmp_path):
    import sys

    found = installed.installed_class("keras_hub.layers.TransformerEncoder", sys.executable, None)
    assert found is not None and found.framework == "keras"
    missing = installed.installed_class("keras_hub.layers.TransformerEncoder",
                                        str(tmp_path / "no-python"), None)
    assert missing is None


async def test_answers_to_a_batch_of_questions_refresh_once(tmp_path):
    refreshes = []
    done = asyncio.Event()

    def refresh():
        refreshes.append(True)
        done.set()

    installed.resolve_in_background(refresh)
    for name in ("TransformerEncoder", "PositionEmbedding", "ReversibleEmbedding"):
        assert installed.installed_class(f"keras_hub.layers.{name}", None, None) is None
    await asyncio.wait_for(done.wait(), timeout=60)
    await asyncio.sleep(0.1)
    assert refreshes == [True]
    assert installed.installed_class("keras_hub.layers.PositionEmbedding", None, None) is not None


def test_standard_library_names_never_reach_jedi(monkeypatch):
    def no_jedi(*args):
        raise AssertionError("jedi was asked")

    monkeypatch.setattr(installed, "_resolve", no_jedi)
    for name in ("functools.partial", "typing.Iterable", "collections.OrderedDict",
                 "abc.ABC", "unittest.TestCase"):
        assert installed.installed_class(name, None, None) is None
    # Third-party names still are asked (keras_hub is installed by the test extra).
    monkeypatch.undo()
    assert installed.installed_class(
        "keras_hub.src.models.efficientnet.cba.CBABlock", None, None) is not None
