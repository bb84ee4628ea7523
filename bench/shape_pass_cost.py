"""What the static-shape pass costs per edit: CPU time of `analyse()` per key of the latency
benchmark's typing script (or per step of its full-document script, `--workload document`), and
the part of it spent in the shape pass (the inference, LL105 and the shape evidence of
LL101/LL102).

    .venv/bin/python -m bench.shape_pass_cost --lines 2000 [--workload document]

CPU time (`time.process_time`), not wall time, so a loaded machine does not blur the figure;
the first five keys are warm-up. Compare with the same command on a checkout without the shape
pass for the before/after.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.document_script import plan_document_edits
from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import DEFAULT_OUT_DIR, write_models

_SHAPE_FUNCTIONS = ("_static_shapes", "_shape_findings", "_with_shape_evidence")


def measure(path: Path, keys: int, workload: str = "typing") -> tuple[list[float], list[float]]:
    """(analyse ms per edit, shape-pass ms per edit), CPU time."""
    from layerlint.analysis import analyse, engine

    spent = [0.0]

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started
        return wrapper

    for name in _SHAPE_FUNCTIONS:
        if hasattr(engine, name):
            setattr(engine, name, timed(getattr(engine, name)))
    text = path.read_text(encoding="utf-8")
    analyse(text, path=str(path))
    totals, shapes = [], []
    if workload == "document":
        texts = [step.text for step in plan_document_edits(text, keys)]
    else:
        texts = []
        for edit in plan_typing(text, keys):
            text = apply_edit(text, edit)
            texts.append(text)
    for text in texts:
        spent[0] = 0.0
        started = time.process_time()
        analyse(text, path=str(path))
        totals.append((time.process_time() - started) * 1000)
        shapes.append(spent[0] * 1000)
    return totals[5:], shapes[5:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=65)
    parser.add_argument("--workload", choices=("typing", "document"), default="typing")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args()
    path = write_models([args.lines], args.out)[0]
    totals, shapes = measure(path, args.keys, args.workload)
    p95 = sorted(shapes)[int(len(shapes) * 0.95)]
    print(f"{path.name} ({args.workload}): analyse() p50 {statistics.median(totals):.2f} ms CPU "
          f"per edit; "
          f"shape pass p50 {statistics.median(shapes):.2f} ms, p95 {p95:.2f} ms "
          f"({len(totals)} keys)")


if __name__ == "__main__":
    main()
