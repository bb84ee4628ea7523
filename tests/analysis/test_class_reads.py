"""What a block's rules read of other classes (`class_reads`), and the engine's cache keyed on it:
a class that only names the typed class keeps its findings, one that reads its model follows
each change, and both equal a fresh analysis."""

from __future__ import annotations

import random
import re

from bench.generate_models import generate_module
from layerlint.analysis import analyse, block_memo, caches, document_state, engine, save_evidence
from layerlint.analysis import source as source_module
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
    original = engine._computed_findings

    def recording(block, context, offset):
        ran.append(block.text.split("\n", 1)[0])
        return original(block, context, offset)

    monkeypatch.setattr(engine, "_computed_findings", recording)
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


READERS = """

class Shared(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.norm = layers.BatchNormalization()
        self.scale = self.add_weight(shape=(1,))

    def call(self, x):
        return self.norm(x)


class Derived(Shared):
    def call(self, x):
        return self.norm(self.norm(x))


class UsesShared(keras.Model):
    def __init__(self):
        super().__init__()
        self.shared = Shared()

    def call(self, x):
        y = self.shared(x)
        made = Shared()
        return self.shared(y) + made(x)


def use_shared(data):
    model = UsesShared()
    model.compile(loss="mse")
    model.fit(data)
    model.save("model.keras")


layer = Shared()
features = layer(layer(keras.Input((8, 8, 3))))
"""

_EDITS = (
    ("layers.BatchNormalization()", "layers.ReLU()"),
    ("layers.ReLU()", "layers.BatchNormalization()"),
    ("(keras.layers.Layer):", "(Shared):"),
    ("(Shared):", "(keras.layers.Layer):"),
    ("    def call(self, x", "    def forward(self, x"),
    ("    def forward(self, x", "    def call(self, x"),
    ("self.add_weight(shape=(1,))", "1.0"),
    ("self.scale = 1.0", "self.scale = self.add_weight(shape=(1,))"),
    ("\n\n\nclass ", "\n\n\n# a comment\nclass "),
)


def _edited(rng: random.Random, text: str) -> str:
    """One of `_EDITS` at a random place where it applies (the text parses before and after)."""
    for old, new in rng.sample(_EDITS, len(_EDITS)):
        places = [match.start() for match in re.finditer(re.escape(old), text)]
        if places:
            place = rng.choice(places)
            return text[:place] + new + text[place + len(old):]
    return text


def _with_empty_caches(text: str, path: str) -> list:
    """The findings of an analysis that remembers nothing of any earlier one."""
    caches.clear()
    source_module._parse_cache.clear()
    block_memo._memos.clear()
    document_state.forget_document(path)
    save_evidence._resolved.clear()
    save_evidence._recent_names.clear()
    return analyse(text, path=path).findings


def test_edits_of_classes_other_classes_read_give_an_analysis_with_empty_caches(tmp_path):
    """Bases, sublayers' categories, weights created by a sublayer, save evidence, module-level
    code: edits of what one class (or the module program) reads of another, applied in
    sequence on one document, find what an analysis with every cache empty finds (the scratch
    analysis cannot reuse an entry the edited document's analyses made)."""
    rng = random.Random(5)
    text = MODULE + READERS + generate_module(120, 2).text.split("\n\n\n", 1)[1]
    path = str(tmp_path / "model.py")
    states = []
    for _ in range(40):
        text = _edited(rng, text)
        states.append((text, analyse(text, path=path).findings))
    assert any(finding.code == "LL101" for _, findings in states for finding in findings)
    for number, (state, findings) in enumerate(states):
        assert findings == _with_empty_caches(state, str(tmp_path / "scratch.py")), number


ANNOTATED = MODULE + '''

class Wrapper(layers.Layer):
    def __init__(self, inner: Unit, **kwargs):
        super().__init__(**kwargs)
        self.inner_name = "inner"

    def call(self, x):
        return x
'''


def test_a_class_that_names_the_edited_class_follows_its_framework(tmp_path):
    """`inner: Unit` is a layer argument (LL201) while `Unit` is a layer: the frameworks of
    the classes a block names are part of its key, not read through their models."""
    caches.clear()
    path = str(tmp_path / "model.py")
    wrapper_line = ANNOTATED.splitlines().index("class Wrapper(layers.Layer):") + 1

    def ll201_lines(text: str) -> list[int]:
        return [line for code, line, _ in _findings(text, path) if code == "LL201"]

    assert ll201_lines(ANNOTATED) == [wrapper_line + 1]
    plain = ANNOTATED.replace("class Unit(layers.Layer):", "class Unit:")
    assert ll201_lines(plain) == []
    assert ll201_lines(ANNOTATED) == [wrapper_line + 1]


def test_a_class_whose_read_class_goes_back_to_an_earlier_text_reuses_its_findings(
        tmp_path, monkeypatch):
    """An undo: `Child` reads `Unit`; `Unit` edited and back keeps both of `Child`'s entries, so
    going back runs no rule at all."""
    caches.clear()
    path = str(tmp_path / "model.py")
    edited = MODULE.replace("        return self.norm(x)\n", "        return self.norm(x) * 2\n", 1)
    original = _findings(MODULE, path)
    _findings(edited, path)
    ran = _rules_ran_on(monkeypatch)
    assert _findings(MODULE, path) == original
    assert ran == []
