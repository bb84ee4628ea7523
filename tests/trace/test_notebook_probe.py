"""'Trace shapes' in a notebook's own kernel: the Python the JupyterLab extension sends
(`jupyterlab-extension/src/probe_source.ts`, generated from the probe) runs a cell again with
every layer call recorded. A kernel started with jupyter_client stands in for the notebook's."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from layerlint.trace.probe.entry import RESULT_MIME

pytestmark = pytest.mark.framework
PROBE_MODULE = Path(__file__).resolve().parents[2] / "jupyterlab-extension" / "src" / "probe_source.ts"
IMPORTS = "import numpy as np\nimport keras\nfrom keras import layers"
LAYERS = ('bn = layers.BatchNormalization()\nconv_1 = layers.Conv2D(8, 3, padding="same")\n'
          'conv_2 = layers.Conv2D(16, 3, padding="same")')
GRAPH = "inputs = keras.Input((32, 32, 3))\nx = bn(conv_1(inputs))\nmodel = keras.Model(inputs, x)"
REUSED = "y = bn(conv_2(x))"
BLOCK = ("class Block(layers.Layer):\n    def __init__(self):\n        super().__init__()\n"
         "        self.conv = layers.Conv2D(4, 3)\n\n    def call(self, x):\n        return self.conv(x)")
CALL_BLOCK = "block = Block()\nout = block(np.zeros((2, 16, 16, 3), dtype='float32'))"


def boot_code() -> str:
    text = PROBE_MODULE.read_text(encoding="utf-8")
    return json.loads(re.search(r"export const PROBE_BOOT = (.*);\n", text).group(1))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from jupyter_client import KernelManager

    manager = KernelManager()
    manager.start_kernel(stdout=open(os.devnull, "wb"), stderr=open(os.devnull, "wb"))  # noqa: SIM115
    kernel = manager.client()
    kernel.start_channels()
    kernel.wait_for_ready(timeout=60)
    for cell in (IMPORTS, LAYERS, GRAPH, BLOCK):
        reply = kernel.execute_interactive(cell, timeout=120)
        assert reply["content"]["status"] == "ok"
    yield kernel
    kernel.stop_channels()
    manager.shutdown_kernel(now=True)


def trace(client: Any, source: str) -> dict[str, Any]:
    """What the extension does on click: exec the boot code with the cell's source."""
    results: list[dict[str, Any]] = []

    def on_message(message: dict[str, Any]) -> None:
        if message["msg_type"] == "display_data" and RESULT_MIME in message["content"]["data"]:
            results.append(message["content"]["data"][RESULT_MIME])

    code = f"exec({json.dumps(boot_code())}, {{'source': {json.dumps(source)}}})"
    client.execute_interactive(code, timeout=120, store_history=False, output_hook=on_message)
    assert len(results) == 1
    return results[0]


def cell_of(result: dict[str, Any], path: str) -> str:
    return result["sources"][path].rstrip("\n")


def test_a_cell_that_builds_a_functional_model_gets_its_shapes_on_its_lines(client) -> None:
    result = trace(client, GRAPH)

    assert result["status"] == "ok"
    placed = [(call["site"]["line"], call["site"]["code"], call["inputs"][0]["shape"],
               call["outputs"][0]["shape"]) for call in result["calls"] if call.get("site")]
    assert placed == [
        (2, "x = bn(conv_1(inputs))", [1, 32, 32, 3], [1, 32, 32, 8]),
        (2, "x = bn(conv_1(inputs))", [1, 32, 32, 8], [1, 32, 32, 8]),
    ]
    [path] = {call["site"]["path"] for call in result["calls"] if call.get("site")}
    assert cell_of(result, path) == GRAPH  # the client finds the cell by this text


def test_a_failing_call_is_reported_at_its_line(client) -> None:
    result = trace(client, REUSED)

    assert result["status"] == "error"
    error = result["error"]
    assert error["type_name"] == "ValueError"
    assert "expected axis -1 of input shape to have value 8" in error["message"]
    assert (error["site"]["line"], error["site"]["code"]) == (1, REUSED)
    assert cell_of(result, error["site"]["path"]) == REUSED


def test_calls_in_another_cells_class_are_placed_in_that_cell(client) -> None:
    result = trace(client, CALL_BLOCK)

    assert result["status"] == "ok"
    [conv] = [call for call in result["calls"] if call["site"] and "self.conv" in call["site"]["code"]]
    assert conv["outputs"][0]["shape"] == [2, 14, 14, 4]
    assert cell_of(result, conv["site"]["path"]) == BLOCK


def test_a_cell_without_layer_calls_traces_nothing_and_adds_no_names(client) -> None:
    names = "print(sorted(n for n in get_ipython().user_ns if 'layerlint' in n))"
    result = trace(client, "total = 1 + 1")
    output: list[str] = []
    client.execute_interactive(names, timeout=30, output_hook=lambda message: output.append(
        message["content"].get("text", "")) if message["msg_type"] == "stream" else None)

    assert result["status"] == "ok" and result["calls"] == []
    assert "".join(output).strip() == "[]"
