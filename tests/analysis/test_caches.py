"""The analysis' caches: bounded, oldest evicted first, and emptied together by `clear()`."""

from collections import OrderedDict

from layerlint.analysis import analyse, caches

MODEL = (
    "import keras\n\n\n"
    "class Net(keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.bn = keras.layers.BatchNormalization()\n"
    "        self.conv = keras.layers.Conv2D(16, 3)\n\n"
    "    def call(self, x):\n"
    "        return self.bn(self.conv(self.bn(x)))\n"
)


def test_remember_keeps_at_most_cache_size_entries_and_evicts_the_oldest(monkeypatch):
    monkeypatch.setattr(caches, "CACHE_SIZE", 2)
    cache: OrderedDict = OrderedDict()
    assert caches.remember(cache, ("a",), 1) == 1
    caches.remember(cache, ("b",), 2)
    caches.remember(cache, ("c",), 3)
    assert list(cache) == [("b",), ("c",)]


def test_clear_empties_every_cache_and_the_next_analysis_finds_the_same(tmp_path):
    path = str(tmp_path / "model.py")
    before = [(f.code, f.span.line) for f in analyse(MODEL, path=path).findings]
    assert before and caches.block_cache and caches.class_cache and caches.last_good
    caches.clear()
    assert not any(caches._ALL)
    assert [(f.code, f.span.line) for f in analyse(MODEL, path=path).findings] == before


def test_the_engine_names_the_same_cache_objects():
    """Tools that empty `engine._block_cache` by its old name empty the real cache."""
    from layerlint.analysis import engine

    assert engine._block_cache is caches.block_cache
    assert engine._module_cache is caches.module_cache
    assert engine._class_cache is caches.class_cache
