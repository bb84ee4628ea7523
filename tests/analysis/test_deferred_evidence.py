"""In a check (`block_memo.suspended`) the engine defers a module's save evidence until a rule
reads it (`deferred_evidence`) and skips its block cache: the findings are those of the
editor's analysis, and a module no rule asks about builds no evidence."""

from __future__ import annotations

import json
from pathlib import Path

from layerlint.analysis import analyse, block_memo, engine
from layerlint.analysis.deferred_evidence import DeferredEvidence
from layerlint.analysis.model_uses import EMPTY, Evidence, Use

ROOT = Path(__file__).resolve().parents[2]


def _use(kind: str, held: str) -> Use:
    return Use(kind, 3, "model.save('m.keras')", file_format="file", held=frozenset({held}),
               contained=frozenset({held}))


def test_builds_on_the_first_read_of_a_field_and_only_once():
    built: list[int] = []
    evidence = Evidence(uses=(_use("save", "Block"),), given=None)
    deferred = DeferredEvidence(lambda: built.append(1) or evidence)
    assert not deferred.ready and built == []
    assert deferred.of("Block") == evidence.of("Block")
    assert deferred.ready and built == [1]
    assert deferred.uses == evidence.uses and deferred.given is None
    assert deferred.reloads == () and deferred.constructions == {}
    assert deferred.signature({"Block"}, 2) == evidence.signature({"Block"}, 2)
    assert deferred.weight_fates == evidence.weight_fates
    assert built == [1]


def _findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [json.dumps(finding.to_json(str(path)), sort_keys=True)
            for finding in analyse(text, path=str(path)).findings]


def test_a_check_finds_what_the_editor_finds_on_every_fixture():
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    assert len(fixtures) > 100
    found = 0
    for path in fixtures:
        editor = _findings(path)
        with block_memo.suspended():
            check = _findings(path)
        assert check == editor, path
        found += len(editor)
    assert found > 100


def test_a_check_builds_no_evidence_no_rule_reads(tmp_path, monkeypatch):
    package = tmp_path / "keras_hub"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    module = package / "layers.py"
    module.write_text(
        "import keras\n\n\n"
        "class Block(keras.layers.Layer):\n"
        "    def call(self, x):\n"
        "        return x\n\n\n"
        "def save(model):\n"
        "    model.save('m.keras')\n", encoding="utf-8")
    built = _counting_evidence(monkeypatch)
    editor = _findings(module)
    assert built == [str(module)]  # the editor builds it up front
    with block_memo.suspended():
        assert _findings(module) == editor
    assert built == [str(module)]  # LL207 skips a Keras package before reading the evidence


def _built_in_check(module: Path, monkeypatch) -> tuple[list[str | None], list[str]]:
    """(paths whose evidence a check built, the check's findings) of one module."""
    built = _counting_evidence(monkeypatch)
    with block_memo.suspended():
        return built, _findings(module)


_LOSS_MODULE = (
    "import keras\n\n\n"
    "@keras.saving.register_keras_serializable()\n"
    "class Block(keras.layers.Layer):\n"
    "    def call(self, x):\n"
    "        return x\n\n\n"
    "def my_loss(y, p):\n"
    "    return keras.ops.mean(y - p)\n\n\n"
    "def train():\n"
    "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "    model.compile(loss=my_loss)\n"
    "    model.fit([], [])\n")


def test_a_check_builds_no_evidence_where_ll207_cannot_find_anything(tmp_path, monkeypatch):
    # Outside a Keras package, with a registered class and a compiled loss function but no
    # save anywhere in the module: LL207 has nothing to look up.
    module = tmp_path / "train.py"
    module.write_text(_LOSS_MODULE, encoding="utf-8")
    editor = _findings(module)
    built, check = _built_in_check(module, monkeypatch)
    assert check == editor and built == []


def test_a_check_reads_the_evidence_where_ll207_finds_a_saved_loss_function(tmp_path, monkeypatch):
    module = tmp_path / "train.py"
    module.write_text(_LOSS_MODULE + "    model.save('m.keras')\n", encoding="utf-8")
    editor = _findings(module)
    assert any('"LL207"' in finding and "my_loss" in finding for finding in editor)
    built, check = _built_in_check(module, monkeypatch)
    assert check == editor and built == [str(module)]


def test_the_evidence_a_rule_reads_in_a_check_is_the_module_s():
    path = ROOT / "tests" / "fixtures" / "custom"
    saved = [fixture for fixture in sorted(path.rglob("*.py"))
             if "save(" in fixture.read_text(encoding="utf-8")]
    assert saved
    seen: list[Evidence] = []
    original = engine._module_evidence

    def kept(blocks, context, path):
        evidence = original(blocks, context, path)
        seen.append(evidence)
        return evidence

    engine._module_evidence = kept
    try:
        with block_memo.suspended():
            for fixture in saved:
                _findings(fixture)
    finally:
        engine._module_evidence = original
    assert any(evidence is not EMPTY and evidence.uses for evidence in seen)


def _counting_evidence(monkeypatch) -> list[str | None]:
    """The paths whose module evidence the engine builds from now on, in order."""
    built: list[str | None] = []
    original = engine._module_evidence

    def counted(blocks, context, path):
        built.append(path)
        return original(blocks, context, path)

    monkeypatch.setattr(engine, "_module_evidence", counted)
    return built
