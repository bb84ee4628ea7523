"""The shape parity run compares the editor's shapes of each edited script with a whole
inference (`bench/shape_parity.py`)."""

import random

from bench.shape_parity import main, sequences

SCRIPT = """import keras
from keras import layers

x = keras.Input(shape=(8,))
model = keras.Sequential([layers.Dense(4)])
y = model(x)
print(y)
"""


def test_script_keys_are_typed_after_top_level_statements():
    typed = list(sequences(SCRIPT, random.Random(1)))
    assert len(typed) == 5  # four places, then the random edits
    last = typed[3]
    assert last[0].startswith(SCRIPT)  # after the last statement
    assert all(text.count("\n") >= SCRIPT.count("\n") for text in last)


def test_a_corpus_of_scripts_gives_the_same_shapes(tmp_path, capsys):
    (tmp_path / "train.py").write_text(SCRIPT, encoding="utf-8")
    assert main([f"tiny={tmp_path}", "--out", str(tmp_path / "out")]) == 0
    report = capsys.readouterr().out
    assert "tiny: 1 files" in report and ", 0 divergent" in report
    compared = int(report.split(" files, ")[1].split(" texts")[0])
    assert compared > 50
