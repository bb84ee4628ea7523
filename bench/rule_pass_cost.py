"""What the per-block rule pass costs: CPU time of the rules (`engine._run_rules`) and of the
reuse cases they read (`class_reuse`), per key of the latency benchmark's typing script and
over a cold `layerlint check` of a tree, beside the whole analysis.

    .venv/bin/python -m bench.rule_pass_cost --lines 2000 [--tree DIR] [--base CHECKOUT] [--pairs 3]

CPU time (`time.process_time`), so a loaded machine blurs the figure less; the first five keys
are warm-up. `--base` runs the same measurement with another checkout's `server/` first on the
path, alternating old and new runs (`--pairs` of them) in fresh processes, and prints the
medians and the new/old ratios: the before/after of a change to the rules.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import DEFAULT_OUT_DIR, write_models

_PARTS = ("_run_rules", "class_reuse")


def _timed_parts() -> dict[str, float]:
    """Wrap the engine's rule pass and reuse cases; returns the dict their seconds add up in."""
    from layerlint.analysis import engine

    spent = dict.fromkeys(_PARTS, 0.0)

    def timed(name: str):
        function = getattr(engine, name)

        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - started
        return wrapper

    for name in _PARTS:
        setattr(engine, name, timed(name))
    return spent


def typing_cost(lines: int, keys: int = 65, warmup: int = 5) -> dict[str, float]:
    """Milliseconds per key: the whole `analyse()` ("whole") and each part."""
    from layerlint.analysis import analyse

    spent = _timed_parts()
    (path,) = write_models([lines], DEFAULT_OUT_DIR)
    text = path.read_text(encoding="utf-8")
    analyse(text, path=str(path))
    total = 0.0
    for number, edit in enumerate(plan_typing(text, keys)):
        text = apply_edit(text, edit)
        if number == warmup:
            spent.update(dict.fromkeys(_PARTS, 0.0))
        started = time.process_time()
        analyse(text, path=str(path))
        if number >= warmup:
            total += time.process_time() - started
    measured = keys - warmup
    return {"whole": total * 1000 / measured,
            **{name: seconds * 1000 / measured for name, seconds in spent.items()}}


def check_cost(tree: Path) -> dict[str, float]:
    """Seconds of a cold `layerlint check --jobs 1 --no-cache` of `tree` ("whole"), and of each
    part."""
    from layerlint import cli

    spent = _timed_parts()
    started = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["check", "--no-cache", "--exit-zero", "--jobs", "1", str(tree)])
    return {"whole": time.process_time() - started, **spent}


def _run(checkout: Path | None, argv: list[str]) -> dict[str, float]:
    """One measurement in a fresh process (the analysis caches by content)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(checkout / "server"), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "bench.rule_pass_cost", *argv]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _report(title: str, runs: dict[str, list[dict[str, float]]], unit: str) -> None:
    print(f"# {title} ({unit}, CPU time, median of {len(runs['new'])})")
    medians = {name: {key: statistics.median(run[key] for run in values) for key in values[0]}
               for name, values in runs.items() if values}
    for name, values in medians.items():
        parts = ", ".join(f"{part} {values[part]:.3f} ({values[part] / values['whole']:.0%})"
                          for part in _PARTS)
        print(f"{name}: whole {values['whole']:.3f}; {parts}")
    if len(medians) == 2:
        ratios = ", ".join(f"{key} {medians['new'][key] / medians['old'][key]:.2f}"
                           for key in ("whole", *_PARTS) if medians["old"][key])
        print(f"new/old: {ratios}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--tree", type=Path, help="also time a cold check of this directory")
    parser.add_argument("--base", type=Path, help="a checkout to compare with (its server/)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--one", choices=("typing", "check"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one == "typing":
        print(json.dumps(typing_cost(args.lines)))
        return 0
    if args.one == "check":
        print(json.dumps(check_cost(args.tree)))
        return 0
    jobs = [("typing", f"typing, {args.lines} lines", "ms per key",
             ["--one", "typing", "--lines", str(args.lines)])]
    if args.tree is not None:
        jobs.append(("check", f"cold check of {args.tree}", "s",
                     ["--one", "check", "--tree", str(args.tree)]))
    for _, title, unit, forwarded in jobs:
        runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        for _ in range(args.pairs if args.base else 1):
            if args.base:
                runs["old"].append(_run(args.base.resolve(), forwarded))
            runs["new"].append(_run(None, forwarded))
        _report(title, runs, unit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
