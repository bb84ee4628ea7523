"""The probe's overhead before and after a change, in one process and one run: a plain forward
pass, the probe as it was at an earlier commit, and the probe now (hooks resident as in
layerlint's own kernel, and installed per trace as in a user's kernel), interleaved in rotating
order on the small CNN and on ResNet50 (weights=None).

    .venv/bin/python -m bench.trace_overhead_compare --before a57e782

On a shared machine the medians of wall time follow the neighbours' load; the minimum CPU time
of each kind is the steadiest estimate of the probe's own cost, so both are printed, and the
cost per layer call is derived from the minimum CPU times.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROBE = "server/layerlint/trace/probe"


def probe_at(commit: str, folder: Path) -> Any:
    """The probe package as it was at `commit`, importable as `probe_before.entry`."""
    package = folder / "probe_before"
    package.mkdir()
    names = subprocess.check_output(["git", "ls-tree", "--name-only", f"{commit}:{PROBE}"],
                                    cwd=ROOT, text=True).split()
    for name in names:
        text = subprocess.check_output(["git", "show", f"{commit}:{PROBE}/{name}"], cwd=ROOT,
                                       text=True)
        (package / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module("probe_before.entry")


def measure(model: Any, x: Any, repeats: int, runs: dict[str, Callable[[], Any]],
            calls: int) -> dict[str, dict[str, float]]:
    for run in runs.values():
        for _ in range(3):
            run()
    cpu: dict[str, list[float]] = {kind: [] for kind in runs}
    wall: dict[str, list[float]] = {kind: [] for kind in runs}
    items = list(runs.items())
    for index in range(repeats):
        shift = index % len(items)
        for kind, run in items[shift:] + items[:shift]:
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            run()
            cpu[kind].append(time.process_time() - started_cpu)
            wall[kind].append(time.perf_counter() - started_wall)
    plain_wall, plain_cpu = statistics.median(wall["plain"]), min(cpu["plain"])
    rows = {}
    for kind in runs:
        median, least = statistics.median(wall[kind]), min(cpu[kind])
        rows[kind] = {"median_wall_ms": median * 1e3, "min_cpu_ms": least * 1e3,
                      "overhead_median_wall_pct": (median / plain_wall - 1) * 100,
                      "overhead_min_cpu_pct": (least / plain_cpu - 1) * 100,
                      "us_per_call_min_cpu": (least - plain_cpu) * 1e6 / calls}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trace_overhead_compare",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit to compare with")
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--resnet-repeats", type=int, default=40)
    parser.add_argument("--no-resnet", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "server"))
    import keras

    from bench.trace_overhead import SMALL_CNN
    from layerlint.trace.probe import entry as now

    with tempfile.TemporaryDirectory() as folder:
        before = probe_at(args.before, Path(folder))
        namespace: dict[str, Any] = {}
        exec(compile(SMALL_CNN, "small_cnn.py", "exec"), namespace)
        models = [("small CNN", namespace["SmallCNN"](), (1, 32, 32, 3), args.repeats)]
        if not args.no_resnet:
            models.append(("ResNet50 (weights=None)", keras.applications.ResNet50(weights=None),
                           (1, 224, 224, 3), args.resnet_repeats))
        results = {}
        for label, model, shape, repeats in models:
            x = keras.ops.zeros(shape)
            calls = len(now.record_forward(model, x, resident=True))
            runs = {"plain": lambda model=model, x=x: model(x),
                    f"probe at {args.before}": lambda model=model, x=x:
                        before.record_forward(model, x),
                    "probe now (resident hooks)": lambda model=model, x=x:
                        now.record_forward(model, x, resident=True),
                    "probe now (hooks per trace)": lambda model=model, x=x:
                        now.record_forward(model, x)}
            results[label] = {"layer_calls": calls, "repeats": repeats,
                              "rows": measure(model, x, repeats, runs, calls)}
    for label, result in results.items():
        print(f"{label}: {result['layer_calls']} layer calls, {result['repeats']} repetitions")
        for kind, row in result["rows"].items():
            print(f"  {kind:32s} median {row['median_wall_ms']:8.2f} ms "
                  f"({row['overhead_median_wall_pct']:+6.1f}%)  min CPU "
                  f"{row['min_cpu_ms']:8.2f} ms ({row['overhead_min_cpu_pct']:+6.1f}%, "
                  f"{row['us_per_call_min_cpu']:6.1f} µs per layer call)")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
