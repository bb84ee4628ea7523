"""The catalog generator: its stable-output helpers, and its measurements on known torch modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_generator import catalog_files, layer_facts, nesting, stable_text
from catalog_generator import torch_framework as torch_adapter

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
GENERATOR = SCRIPTS / "generate_catalog.py"






def test_importing_the_generator_imports_no_framework():
    """Tests and --check import it for its helpers; frameworks load only when probing."""
    code = (
        "import importlib, importlib.util, pkgutil, sys\n"
        f"spec = importlib.util.spec_from_file_location('generate_catalog', {str(GENERATOR)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "import catalog_generator\n"
        "names = [info.name for info in pkgutil.iter_modules(catalog_generator.__path__)]\n"
        "for name in names:\n"
        "    importlib.import_module('catalog_generator.' + name)\n"
        "heavy = ('tensorflow', 'keras', 'tf_keras', 'torch', 'numpy')\n"
        "print(len(names), sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    module_count, heavy_modules = result.stdout.strip().split(" ", 1)
    assert int(module_count) > 10  # every module of the package was imported, not just the entry
    assert heavy_modules == "[]"


@pytest.mark.parametrize(
    ("path", "layer_name", "expected"),
    [
        ("dense_3/kernel", "dense_3", "kernel"),
        ("lstm_1/lstm_cell_2/recurrent_kernel", "lstm_1", "lstm_cell/recurrent_kernel"),
        ("seed_generator_7/seed_generator_state", "dropout", "seed_generator/seed_generator_state"),
        ("batch_normalization/moving_mean:0", "batch_normalization", "moving_mean"),
        ("multi_head_attention/query/kernel", "multi_head_attention", "query/kernel"),
    ],
)
def test_variable_names_drop_layer_prefix_and_counters(path, layer_name, expected):
    assert stable_text.variable_name(path, layer_name) == expected


def test_errors_are_summarized_to_one_stable_line():
    message = (
        "Exception encountered when calling Conv1D.call().\n\n"
        "\x1b[1mInput 0 of layer 'conv1d_12' is incompatible: object at 0x7f3a2b\x1b[0m\n\n"
        "Arguments received by Conv1D.call():\n  • inputs=tf.Tensor(...)"
    )
    summary = stable_text.summarize_error(ValueError(message))
    assert summary == "ValueError: Input 0 of layer 'conv1d' is incompatible: object at 0x…"
    assert len(stable_text.summarize_error(RuntimeError("x" * 500))) < 200
    assert stable_text.summarize_error(KeyError()) == "KeyError"


@pytest.mark.parametrize(
    ("framework", "version", "versioned", "expected"),
    [
        ("keras", "3.15.1", False, "keras.json"),
        ("keras", "3.9.2", True, "keras-3.9.json"),
        ("torch", "2.13.0+cpu", True, "torch-2.13.json"),
    ],
)
def test_catalog_file_names(framework, version, versioned, expected):
    assert catalog_files.catalog_file_name(framework, version, versioned) == expected


def test_drift_names_each_differing_layer_and_field():
    layer = {"stateless": True, "random": False}
    old = {"version": "1.0", "layers": {"A": layer, "B": layer, "Gone": layer}}
    new = {"version": "1.1", "layers": {"A": layer, "B": {**layer, "random": True}, "New": layer}}
    assert catalog_files.describe_drift(old, new) == [
        "version: '1.0' -> '1.1'",
        "B: random False -> True",
        "Gone: in the file, no longer generated",
        "New: generated, missing from the file",
    ]
    assert catalog_files.describe_drift(old, json.loads(json.dumps(old))) == []


def test_rendering_is_sorted_and_stable():
    catalog = {"layers": {"B": {"z": 1, "a": None}, "A": {}}, "framework": "x"}
    text = catalog_files.render(catalog)
    assert text == catalog_files.render(json.loads(text))
    assert text.index('"A"') < text.index('"B"') and text.index('"a"') < text.index('"z"')
    assert text.endswith("}\n")


def test_probe_arguments_are_described_without_addresses():
    class Child:
        pass

    described = stable_text.describe_argument({"layers": [Child(), 3], "shape": (2, 1), "fn": len})
    assert described == {"layers": ["<Child>", 3], "shape": [2, 1], "fn": "<len>"}
    assert nesting.contains({"a": [1, Child()]}, lambda value: isinstance(value, Child))
    assert not nesting.contains([1, (2, 3)], lambda value: isinstance(value, Child))


# ---- measurements on modules whose facts are known by construction (torch: quick to import) ----


@pytest.fixture(scope="module")
def torch_framework():
    pytest.importorskip("torch")
    return torch_adapter.load_torch()


def probe(fw, cls):
    return layer_facts.probe_layer(fw, cls, [f"tests.{cls.__name__}"])


@pytest.mark.framework
def test_probe_sees_statistics_updated_by_the_forward_pass(torch_framework):
    import torch
    from torch import nn

    class RunningMean(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(4))
            self.register_buffer("mean", torch.zeros(4))

        def forward(self, x):
            if self.training:
                self.mean.mul_(0.9).add_(0.1 * x.mean(dim=tuple(range(x.dim() - 1))))
            return x * self.scale

    entry = probe(torch_framework, RunningMean)
    assert entry["status"] == "measured"
    assert entry["moving_statistics"] is True
    assert entry["non_trainable_weights"] == ["mean"]
    assert entry["trainable_weights"] == ["scale"]
    assert entry["shape_bound_weights"] is False
    assert entry["weights_from_constructor"] is True
    assert entry["random"] is False


@pytest.mark.framework
def test_probe_tells_a_constant_buffer_from_statistics(torch_framework):
    import torch
    from torch import nn

    class Offset(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("offset", torch.ones(4))

        def forward(self, x):
            return x + self.offset

    entry = probe(torch_framework, Offset)
    assert entry["moving_statistics"] is False
    assert entry["has_weights"] is True and entry["stateless"] is False


@pytest.mark.framework
def test_probe_sees_training_time_randomness(torch_framework):
    import torch
    from torch import nn

    class Noise(nn.Module):
        def forward(self, x):
            return x + torch.randn_like(x) if self.training else x

    entry = probe(torch_framework, Noise)
    assert entry["random"] is True
    assert entry["stateless"] is True


@pytest.mark.framework
def test_probe_sees_lazy_weights_follow_the_input(torch_framework):
    from torch import nn

    class LazyHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.LazyLinear(2)

        def forward(self, x):
            return self.linear(x)

    entry = probe(torch_framework, LazyHead)
    assert entry["shape_bound_weights"] is True
    assert entry["weights_from_constructor"] is False


@pytest.mark.framework
def test_probe_records_why_a_module_is_unknown(torch_framework):
    from torch import nn

    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("always fails at 0xdeadbeef")

    class NeedsMystery(nn.Module):
        def __init__(self, mystery):
            super().__init__()

    broken = probe(torch_framework, Broken)
    assert broken["status"] == "unknown"
    assert "RuntimeError: always fails at 0x…" in broken["reason"]
    assert broken["stateless"] is True  # known from construction: torch registers state in __init__
    assert broken["random"] is None
    mystery = probe(torch_framework, NeedsMystery)
    assert mystery["reason"] == "no probe value for required parameter(s): mystery"


@pytest.mark.framework
def test_probe_treats_a_module_taking_modules_as_a_container(torch_framework):
    from torch import nn

    class Wrap(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.inner = module

        def forward(self, x):
            return self.inner(x)

    entry = probe(torch_framework, Wrap)
    assert entry["container"] is True and entry["status"] == "container"
    assert entry["probe"]["arguments"] == {"module": "<Linear>"}
    assert entry["stateless"] is None
