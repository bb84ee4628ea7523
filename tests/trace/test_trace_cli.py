"""`layerlint trace`: the table and JSON outputs and the exit codes. The output tests run the
command in-process on the session's warm kernel; one test runs the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from trace_test_support import EXAMPLE, MODELS, ROOT, lines_containing

from layerlint.cli import main
from layerlint.commands import trace as trace_command
from layerlint.trace import kernel as trace_kernel
from layerlint.trace import runner


@pytest.fixture
def on_warm_kernel(kernel, monkeypatch):
    """Route the command to the session's kernel, and keep it alive afterwards."""
    monkeypatch.setattr(runner, "warm_kernel", lambda *args, **kwargs: kernel)
    # the command imports shutdown_all when it runs (the CLI parser loads no trace module)
    monkeypatch.setattr(trace_kernel, "shutdown_all", lambda: None)


@pytest.mark.framework
def test_table_output_shows_source_lines_and_the_mapped_error(on_warm_kernel, capsys):
    code = main(["trace", str(EXAMPLE)])
    out = capsys.readouterr().out

    assert code == 1
    first_line, second_line = lines_containing(EXAMPLE, "self.bn(")
    rows = [line for line in out.splitlines() if "feature_extractor.py:" in line]
    assert any(f"feature_extractor.py:{first_line}" in row and "conv2d (Conv2D)" in row
               and "(1, 32, 32, 3) -> (1, 29, 29, 6)" in row and row.endswith("294")
               for row in rows)
    error = next(line for line in out.splitlines() if line.startswith("error: "))
    assert f"feature_extractor.py:{second_line}:" in error
    assert "expected axis -1 of input shape to have value 6" in error


@pytest.mark.framework
def test_json_output_of_a_clean_trace(on_warm_kernel, capsys):
    path = MODELS / "feature_extractor_fixed.py"
    code = main(["trace", f"{path}:FeatureExtractor", "--format", "json",
                 "--input-shape", "2,32,32,3", "--device", "cpu"])
    data = json.loads(capsys.readouterr().out)

    assert code == 0
    assert data["status"] == "ok" and data["input_shape"] == [2, 32, 32, 3]
    assert data["input_shape_source"] == "command" and data["device"] == "CPU:0"
    convs = [item for item in data["calls"] if item["class_name"] == "Conv2D"]
    assert [item["site"]["line"] for item in convs] == [
        lines_containing(path, "self.bn_1(")[0], lines_containing(path, "self.bn_2(")[0]]
    assert convs[0]["inputs"] == [{"shape": [2, 32, 32, 3], "dtype": "float32"}]


@pytest.mark.framework
def test_the_real_command_line_exits_1_on_the_example():
    completed = subprocess.run(
        [sys.executable, "-m", "layerlint", "trace", str(EXAMPLE), "--format", "json",
         "--verbose"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert completed.returncode == 1, completed.stderr
    data = json.loads(completed.stdout)
    assert data["error"]["site"]["line"] == lines_containing(EXAMPLE, "self.bn(")[1]
    # The kernel's own noise (TensorFlow/absl start-up, ipykernel) is in its log, not here.
    (line,) = completed.stderr.splitlines()
    assert line.startswith("kernel log: ")
    log = Path(line.removeprefix("kernel log: "))
    assert log.is_file() and "without encryption" not in log.read_text(errors="replace")


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["trace", str(tmp_path / "missing.py")]) == 2
    assert main(["trace", str(EXAMPLE), "--input-shape", "1,x"]) == 2
    no_shape = tmp_path / "model.py"
    no_shape.write_text("from keras import layers\nclass Net(layers.Layer):\n    pass\n")
    assert main(["trace", str(no_shape)]) == 2  # no input shape known: nothing is started
    assert "no input shape known for Net" in capsys.readouterr().out


def test_split_target():
    assert trace_command.split_target("model.py:Net") == ("model.py", "Net")
    assert trace_command.split_target("model.py") == ("model.py", None)
    assert trace_command.split_target("C:model.py") == ("C:model.py", None)
    assert trace_command.split_target("dir:1/model.py") == ("dir:1/model.py", None)
