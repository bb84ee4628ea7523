"""What a block's rules read of other classes (`class_reads`), and the engine's cache keyed on it:
a class that only names the typed class keeps its findings, one that reads its model follows
each change, and both equal a fresh analysis."""

from __future__ import annotations

from layerlint.analysis import analyse, block_memo, caches, engine
from layerlint.analysis.class_reads import ReadClasses

MODULE = """import keras
from keras import layers


class Unit(layers.Layer):
    def __init__(self):
        super().__init__()
        self.norm = layers.BatchNormalization()

    def call(self, x):
        return self.norm(x)


class Holder(keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [Unit(), Unit()]
        self.bn = layers.BatchNormalization()

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        x = self.bn(x)
        return self.bn(x)


class Child(Unit):
    def call(self, x):
        x = self.norm(x)
        return self.norm(x)
"""


def _findings(text: str, path: str | None = None) -> list[tuple]:
    return [(f.code, f.span.line, f.message) for f in analyse(text, path=path).findings]


def _rules_ran_on(monkeypatch) -> list[str]:
    """The first line of every block whose rules run from now on."""
    ran: list[str] = []
    original = engine._rules_of_block

    def recording(block, context, offset):
        ran.append(block.text.split("\n", 1)[0])
        return original(block, context, offset)

    monkeypatch.setattr(engine, "_rules_of_block", recording)
    return ran


def test_read_classes_records_the_models_handed_out():
    classes = ReadClasses({"A": 1, "B": 2})
    assert "A" in classes and list(classes) == ["A", "B"]  # names only: nothing recorded
    assert not classes.read and not classes.read_all
    assert classes.get("A") == 1 and classes.get("C") is None and classes["B"] == 2
    assert classes.read == {"A", "B", "C"} and not classes.read_all
    assert list(classes.values()) == [1, 2] and classes.read_all


def test_a_class_naming_the_edited_class_keeps_its_findings(tmp_path, monkeypatch):
    """Typing in `Unit.call` runs the rules on `Unit` and on `Child` (it derives from it and
    reads its layers), not on `Holder`, which only constructs it; every version's findings
    are those of a fresh analysis."""
    caches.clear()
    path = str(tmp_path / "model.py")
    analyse(MODULE, path=path)
    ran = _rules_ran_on(monkeypatch)
    edits = ["        return self.norm(x) * 2\n", "        y = x + 1\n        return self.norm(y)\n"]
    for edit in edits:
        text = MODULE.replace("        return self.norm(x)\n", edit, 1)
        ran.clear()
        incremental = _findings(text, path)
        assert sorted(ran) == ["class Child(Unit):", "class Unit(layers.Layer):"]
        block_memo.forget(str(tmp_path / "fresh.py"))
        caches.clear()
        assert incremental == _findings(text)
        assert [code for code, *_ in incremental] == ["LL101", "LL101"]  # Holder's bn, Child's


def test_a_class_reading_the_edited_class_follows_it(tmp_path):
    """`Child` calls the norm layer its base builds: once the base builds a ReLU instead, the
    reuse finding goes, and comes back with the BatchNormalization."""
    caches.clear()
    path = str(tmp_path / "model.py")
    lines = {line for _, line, _ in _findings(MODULE, path)}
    child_call = MODULE.splitlines().index("        return self.norm(x)", 25) + 1
    assert child_call in lines
    stateless = MODULE.replace("self.norm = layers.BatchNormalization()",
                               "self.norm = layers.ReLU()")
    assert child_call not in {line for _, line, _ in _findings(stateless, path)}
    assert _findings(stateless, path) == _findings(stateless)
    assert child_call in {line for _, line, _ in _findings(MODULE, path)}
