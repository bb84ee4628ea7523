"""Shape-trace benchmark: first and warm trace times, and the probe's overhead over a plain
forward pass in the same warm kernel, on a small CNN and on ResNet50 (weights=None).

    .venv/bin/python -m bench.trace_overhead                 # both models, Markdown table
    .venv/bin/python -m bench.trace_overhead --repeats 50 --device gpu --json

Trace times are end to end through `layerlint.trace.runner.run_trace` (the first one starts a
kernel and imports TensorFlow). The overhead is measured inside the kernel on one built model:
N repetitions of a plain `model(x)` and of a recorded pass (the probe's hooks, then the result
with positions, shapes and parameter counts, i.e. everything a trace adds; the hooks as they
are in layerlint's own kernel, installed and idle between traces), interleaved in
alternating order so drift hits both alike; medians are compared. Target: under 5%.
Wall-clock and process CPU time are both reported, and the minimum CPU time beside the
medians: on a shared machine other processes' load inflates whichever pass it happens to hit,
and the least disturbed pass of each kind is the steadiest estimate of the probe's own cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from layerlint.trace.kernel import TraceKernel
from layerlint.trace.runner import TraceRequest, run_trace

SMALL_CNN = '''"""A small CNN: two conv blocks and a classifier."""
import keras
from keras import layers


# layerlint: input-shape=1,32,32,3
class SmallCNN(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv_1 = layers.Conv2D(32, 3, padding="same")
        self.bn_1 = layers.BatchNormalization()
        self.conv_2 = layers.Conv2D(64, 3, padding="same")
        self.bn_2 = layers.BatchNormalization()
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(10)

    def call(self, x):
        x = self.pool(keras.ops.relu(self.bn_1(self.conv_1(x))))
        x = self.pool(keras.ops.relu(self.bn_2(self.conv_2(x))))
        return self.dense(self.flatten(x))
'''

RESNET = '''"""ResNet50 without weights (nothing is downloaded)."""
import keras

# layerlint: input-shape=1,224,224,3
model = keras.applications.ResNet50(weights=None)
'''

OVERHEAD_CODE = '''
import json, statistics, sys, time, importlib.util
_probe = sys.modules["_layerlint_probe"]
_spec = importlib.util.spec_from_file_location("bench_model", {path!r})
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
_model = {build}
_device = _probe.devices.select_device({device!r})
with _device.scope():
    _x = _probe.devices.zeros("keras", {shape!r}, "float32", _device)
    for _ in range(3):
        _model(_x)
        _probe.entry.record_forward(_model, _x, resident=True)
    _times = {{"plain": [], "probed": [], "plain_cpu": [], "probed_cpu": []}}
    def _time(kind, run):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        _times[kind + "_cpu"].append(time.process_time() - cpu)
        _times[kind].append(time.perf_counter() - wall)
        return result
    for _round in range({repeats}):
        if _round % 2:
            _time("plain", lambda: _model(_x))
            _count = len(_time("probed", lambda: _probe.entry.record_forward(_model, _x, resident=True)))
        else:
            _count = len(_time("probed", lambda: _probe.entry.record_forward(_model, _x, resident=True)))
            _time("plain", lambda: _model(_x))
_stats = {{kind: statistics.median(values) for kind, values in _times.items()}}
_stats.update({{kind + "_min": min(values) for kind, values in _times.items()}})
print("BENCH " + json.dumps({{**_stats, "calls": _count}}))
'''


def measure(repeats: int, resnet_repeats: int, device: str, with_resnet: bool) -> list[dict]:
    kernel = TraceKernel(sys.executable)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            models = [("small CNN", Path(folder) / "small_cnn.py", SMALL_CNN, "SmallCNN",
                       "_module.SmallCNN()", [1, 32, 32, 3], repeats)]
            if with_resnet:
                models.append(("ResNet50 (weights=None)", Path(folder) / "resnet.py", RESNET,
                               "model", "_module.model", [1, 224, 224, 3], resnet_repeats))
            for label, path, source, target, build, shape, count in models:
                path.write_text(source, encoding="utf-8")
                request = TraceRequest(path=str(path), target=target, device=device,
                                       timeout=600)
                first = run_trace(request, kernel=kernel)
                again = run_trace(request, kernel=kernel)
                if first.status != "ok" or again.status != "ok":
                    raise RuntimeError(f"{label}: trace failed: {first.error or again.error}")
                overhead = _overhead(kernel, path, build, shape, device, count)
                rows.append({
                    "model": label, "layer_calls": overhead["calls"],
                    "first_trace_s": first.elapsed_s, "cold_kernel": not first.kernel_reused,
                    "warm_trace_s": again.elapsed_s, "plain_forward_ms": overhead["plain"] * 1e3,
                    "probe_forward_ms": overhead["probed"] * 1e3,
                    "overhead_pct": (overhead["probed"] / overhead["plain"] - 1) * 100,
                    "cpu_overhead_pct": (overhead["probed_cpu"] / overhead["plain_cpu"] - 1) * 100,
                    "min_cpu_overhead_pct":
                        (overhead["probed_cpu_min"] / overhead["plain_cpu_min"] - 1) * 100,
                    "probe_us_per_call": (overhead["probed"] - overhead["plain"]) * 1e6
                        / overhead["calls"],
                    "probe_us_per_call_min_cpu":
                        (overhead["probed_cpu_min"] - overhead["plain_cpu_min"]) * 1e6
                        / overhead["calls"],
                    "repeats": count, "device": again.device,
                })
    finally:
        kernel.shutdown()
    return rows


def _overhead(kernel: TraceKernel, path: Path, build: str, shape: list[int], device: str,
              repeats: int) -> dict[str, Any]:
    code = OVERHEAD_CODE.format(path=str(path), build=build, shape=shape, device=device,
                                repeats=repeats)
    execution = kernel.execute(code, timeout=3600)
    line = next((line for line in execution.output.splitlines() if line.startswith("BENCH ")),
                None)
    if execution.status != "ok" or line is None:
        raise RuntimeError(f"overhead run failed: {execution.error or execution.output[-2000:]}")
    return json.loads(line[len("BENCH "):])


def markdown(rows: list[dict]) -> str:
    lines = [
        "| model | layer calls | first trace | warm trace | plain forward (median) "
        "| probe forward (median) | overhead (median wall) | overhead (median CPU) "
        "| overhead (min CPU) | per layer call (median wall / min CPU) | N | device |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        first = f"{row['first_trace_s']:.2f} s" + (" (cold kernel)" if row["cold_kernel"] else "")
        lines.append(
            f"| {row['model']} | {row['layer_calls']} | {first} | {row['warm_trace_s']:.2f} s "
            f"| {row['plain_forward_ms']:.2f} ms | {row['probe_forward_ms']:.2f} ms "
            f"| {row['overhead_pct']:+.1f}% | {row['cpu_overhead_pct']:+.1f}% "
            f"| {row['min_cpu_overhead_pct']:+.1f}% "
            f"| {row['probe_us_per_call']:.1f} / {row['probe_us_per_call_min_cpu']:.1f} µs "
            f"| {row['repeats']} | {row['device']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trace_overhead",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60,
                        help="interleaved repetitions for the small CNN (default 60)")
    parser.add_argument("--resnet-repeats", type=int, default=15,
                        help="interleaved repetitions for ResNet50 (default 15)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument("--no-resnet", action="store_true", help="only the small CNN")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = measure(args.repeats, args.resnet_repeats, args.device, not args.no_resnet)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(markdown(rows))
        print(f"\n({time.perf_counter() - started:.0f} s in all; overhead target: under 5%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
