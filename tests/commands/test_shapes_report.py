"""`layerlint check --shapes`: the static shape of every layer call, per line."""

from pathlib import Path

from layerlint.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "shapes" / "ll105_conv2d_missing_channel.py"


def test_shapes_are_printed_per_call_after_the_findings(tmp_path, capsys):
    source = tmp_path / "model.py"
    source.write_text(
        "from tensorflow import keras\n"
        "from tensorflow.keras import layers\n"
        "model = keras.Sequential([layers.Dense(8, input_dim=20), layers.Dense(1)])\n",
        encoding="utf-8",
    )
    code = main(["check", "--no-cache", "--shapes", str(source)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == [
        f"{source}:3:27: Dense (None, 20) -> (None, 8)",
        f"{source}:3:58: Dense (None, 8) -> (None, 1)",
        "static shapes: 2 of 2 layer calls have a known output shape",
    ]


def test_a_proven_crash_is_an_ll105_error_and_its_shape_line_says_so(capsys):
    code = main(["check", "--no-cache", "--shapes", "--select", "LL105", str(FIXTURE)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{FIXTURE}:12:9: LL105 [error] Conv2D cannot take its input (None, 28, 28)" in out
    assert "expected min_ndim=4, found ndim=3" in out
    assert f"{FIXTURE}:12:9: Conv2D (None, 28, 28) -> error: expected min_ndim=4" in out
    assert f"{FIXTURE}:13:9: Flatten (unknown) -> (unknown)" in out


def test_the_configured_input_shape_reaches_the_shapes_of_a_model_without_input(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.layerlint]\ninput-shape = [4, 20]\n",
                                             encoding="utf-8")
    source = tmp_path / "model.py"
    source.write_text(
        "from tensorflow import keras\n"
        "from tensorflow.keras import layers\n"
        "model = keras.Sequential([layers.Dense(8), layers.Dense(1)])\n",
        encoding="utf-8",
    )
    code = main(["check", "--no-cache", "--shapes", str(source)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == [
        f"{source}:3:27: Dense (None, 20) -> (None, 8)",
        f"{source}:3:44: Dense (None, 8) -> (None, 1)",
        "static shapes: 2 of 2 layer calls have a known output shape",
    ]
