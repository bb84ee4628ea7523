"""The corpus run comparing the editor's incremental analysis with a fresh one
(bench/incremental_parity.py): its edits, and that it reports what differs or crashes."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re

import pytest

from bench import incremental_parity
from bench.incremental_parity import (
    compare_analyses,
    compare_notebook_publishes,
    compare_publishes,
    plan_edits,
    plan_notebook_edits,
    run_corpus,
)

SCRIPT = '''"""
Title: A small example
"""

"""
## Setup
"""

import keras
from keras import layers


class Gate(keras.layers.Layer):
    """Scales its input by a learned sigmoid gate."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.gate = layers.Dense(units, activation="sigmoid")

    def call(self, x):
        return x * self.gate(x)


def build():
    inputs = keras.Input((4,))
    hidden = layers.Dense(8)(inputs)
    return keras.Model(inputs, Gate(8)(hidden))


"""
## Training
"""

model = build()
model.compile(loss="mse")
model.save("model.keras")
'''


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "examples").mkdir(parents=True)
    (root / "examples" / "scale.py").write_text(SCRIPT)
    (root / "examples" / "other.py").write_text(SCRIPT.replace("Gate", "Valve"))
    (root / "notes.txt").write_text("not Python")
    cells = [{"cell_type": "markdown", "source": ["# A notebook\n"]}] + [
        {"cell_type": "code", "source": part} for part in SCRIPT.split("\n\n\n")]
    (root / "examples" / "scale.ipynb").write_text(json.dumps({"cells": cells}))
    return root


def test_the_edits_are_seeded_and_of_every_kind():
    texts = plan_edits(SCRIPT, 120, seed=3)
    assert texts == plan_edits(SCRIPT, 120, seed=3)
    assert texts[0] == SCRIPT and len(texts) == 120
    assert any("Copy" in text for text in texts)  # a definition pasted
    assert any("# reviewed in step" in text for text in texts)
    definitions = [len(re.findall(r"^(?:class|def) ", text, re.MULTILINE)) for text in texts]
    assert any(after < before for before, after in itertools.pairwise(definitions))  # deleted
    assert texts.count(SCRIPT) >= 2  # back to the file
    typed = [after for before, after in itertools.pairwise(texts)
             if len(after) == len(before) + 1 and after.startswith(before[:20])]
    assert len(typed) >= 10  # statements typed a key at a time


def test_a_statement_is_typed_a_key_at_a_time_above_an_indented_line():
    typed = incremental_parity.typed_statement(random.Random(0), SCRIPT)
    statement = typed[-1]
    assert len(typed) > 5 and typed[0].count("\n") == SCRIPT.count("\n") + 1
    for before, after in itertools.pairwise(typed):
        assert len(after) == len(before) + 1
    new_line = next(line for line, old in zip(statement.split("\n"), SCRIPT.split("\n"))
                    if line != old)
    assert new_line.strip() in incremental_parity.TYPED and new_line.startswith("    ")
    assert incremental_parity.typed_statement(random.Random(0), "x = 1\ny = 2\n") == []


def test_a_clean_corpus_compares_every_text(corpus):
    reported = []
    outcome = run_corpus("small", corpus, 12, compare_analyses, None, reported.append)
    assert outcome.files == 2 and outcome.compared == 24
    assert outcome.problems == [] and reported == []


def test_the_language_server_publishes_the_same_as_a_fresh_open(corpus):
    outcome = run_corpus("small", corpus, 8, compare_publishes, None, lambda _: None)
    assert outcome.files == 2 and not outcome.problems
    assert outcome.compared > 0  # texts with a syntax error are left out, not all of them


def test_notebook_versions_edit_one_code_cell_at_a_time(corpus):
    raw = (corpus / "examples" / "scale.ipynb").read_text()
    versions = [json.loads(version) for version in plan_notebook_edits(raw, 40, seed=1)]
    assert len(versions) == 40 and versions == [
        json.loads(version) for version in plan_notebook_edits(raw, 40, seed=1)]
    assert versions[0][0] == ["markdown", "# A notebook\n"]
    for before, after in itertools.pairwise(versions):
        changed = [index for index, (old, new) in enumerate(zip(before, after)) if old != new]
        assert len(changed) <= 1 and all(after[index][0] == "code" for index in changed)
    assert any(version != versions[0] for version in versions)
    assert plan_notebook_edits('{"cells": [{"cell_type": "markdown", "source": "x"}]}', 5, 0) == []
    assert plan_notebook_edits("not json", 5, 0) == []


def test_notebook_cell_edits_publish_the_same_as_a_fresh_open(corpus):
    outcome = run_corpus("small", corpus, 10, compare_notebook_publishes, None, lambda _: None,
                         notebooks=True)
    assert outcome.files == 1 and not outcome.problems and outcome.compared > 0


def test_a_divergence_is_reported_with_its_texts(corpus, tmp_path, monkeypatch):
    """An incremental analysis that loses its findings after the first text."""
    calls = []
    real = incremental_parity.analyse

    def forgetful(text, path):
        calls.append(text)
        result = real(text, path=path)
        return dataclasses.replace(result, findings=[]) if len(calls) > 1 else result

    monkeypatch.setattr(incremental_parity, "analyse", forgetful)
    monkeypatch.setattr(incremental_parity, "plan_edits",
                        lambda source, count, seed: [source] * count)
    out = tmp_path / "divergent"
    reported = []
    outcome = run_corpus("small", corpus, 3, compare_analyses, out, reported.append)
    assert len(outcome.problems) == 2 == len(reported)
    assert "text 1 differs from a fresh analysis" in reported[0]
    written = sorted(path.name for path in (out / "small" / "examples" / "scale.py").iterdir())
    assert written == ["000.py", "001.py", "002.py"]


def test_a_crash_is_reported_and_the_run_goes_on(corpus, monkeypatch):
    real = incremental_parity.analyse

    def failing(text, path):
        if "Valve" in text:
            raise KeyError("keras_hub.src.models")
        return real(text, path=path)

    monkeypatch.setattr(incremental_parity, "analyse", failing)
    reported = []
    outcome = run_corpus("small", corpus, 4, compare_analyses, None, reported.append)
    assert outcome.files == 2 and outcome.compared == 4  # scale.py's four texts
    assert len(reported) == 1 and "other.py: crash at text 0" in reported[0]
    assert "KeyError: 'keras_hub.src.models'" in reported[0]


def test_another_seed_plans_other_edits_for_every_file(corpus, monkeypatch):
    seeds = []
    monkeypatch.setattr(incremental_parity, "plan_edits",
                        lambda source, count, seed: seeds.append(seed) or [source] * count)
    incremental_parity.main([f"small={corpus}", "--edits", "2"])
    incremental_parity.main([f"small={corpus}", "--edits", "2", "--seed", "1000"])
    assert seeds == [0, 1, 1000, 1001]
    assert plan_edits(SCRIPT, 40, seed=0) != plan_edits(SCRIPT, 40, seed=1000)


def test_the_command_fails_when_anything_differs(corpus, monkeypatch, capsys):
    assert incremental_parity.main([f"small={corpus}", "--edits", "3"]) == 0
    assert "small: 2 files, 6 texts compared, 0 divergent or crashed" in capsys.readouterr().out
    monkeypatch.setattr(incremental_parity, "compare_analyses",
                        lambda texts, folder, outcome: setattr(outcome, "divergence", 0))
    assert incremental_parity.main([f"small={corpus}", "--edits", "3"]) == 1


def test_the_edits_break_the_code_at_times_as_typing_does():
    rng = random.Random(0)
    text = SCRIPT
    broken = 0
    for step in range(1, 200):
        text = incremental_parity.plan_edit(rng, text, SCRIPT, step)
        try:
            compile(text, "<edit>", "exec")
        except SyntaxError:
            broken += 1
    assert 0 < broken < 199
