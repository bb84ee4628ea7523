"""`layerlint check` on a large real tree, side by side with ruff and the `ast.parse` floor.

    .venv/bin/python -m bench.check_speed                    # keras-hub 0.32.0, one round
    .venv/bin/python -m bench.check_speed --rounds 3 --version 0.32.0
    .venv/bin/python -m bench.check_speed --rounds 3 --baseline ../layerlint-main  # before/after

Fetches the pinned keras-hub release with `pip download --no-deps` (PyPI; the wheel holds the
`keras_hub/` source tree) into a temporary folder, unpacks it, and times in one run, each in a
fresh process: `ast.parse` of every file in one process (the floor any Python-AST tool pays),
`ruff check --select ALL` without and with its cache, and `layerlint check` cold (empty
cache, all cores), warm (the unchanged tree again) and in one process without a cache. Prints a
Markdown table with wall and CPU seconds and ratios to ruff's uncached run, preceded by the
command and the machine. With `--rounds N` each row is the median of N runs, the commands
taking turns. `--baseline CHECKOUT` adds the three layerlint rows for another checkout (its
`server/` on PYTHONPATH), taking turns with the others, so that before and after share a run.
Not a test: ratios from one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
PARSE_FLOOR = """\
import ast, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    ast.parse(path.read_text(encoding="utf-8"))
"""


@dataclass
class Timing:
    wall: float
    cpu: float


def fetch_tree(version: str, workdir: Path) -> Path:
    """keras_hub/ of the pinned release, unpacked under `workdir`."""
    tree = workdir / f"keras-hub-{version}"
    if (tree / "keras_hub").is_dir():
        return tree / "keras_hub"
    wheels = workdir / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "--dest", str(wheels), f"keras-hub=={version}"],
                   check=True)
    (wheel,) = wheels.glob(f"keras_hub-{version}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tree)
    return tree / "keras_hub"


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timing:
    before = os.times()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - start
    after = os.times()
    return Timing(wall, (after.children_user - before.children_user)
                  + (after.children_system - before.children_system))


def _layerlint_steps(layerlint: list[str], cache: Path, label: str) -> list[tuple]:
    return [
        (f"layerlint check, cold (empty cache){label}", layerlint, cache),
        (f"layerlint check, warm (unchanged tree){label}", layerlint, None),
        (f"layerlint check --jobs 1 --no-cache{label}", [*layerlint, "--jobs", "1", "--no-cache"],
         None),
    ]


def measure(tree: Path, workdir: Path, rounds: int,
            baseline: Path | None = None) -> dict[str, list[Timing]]:
    ruff = shutil.which("ruff", path=str(VENV_BIN)) or shutil.which("ruff") or "ruff"
    ruff_cache = workdir / "ruff-cache"
    layerlint_cache = workdir / "layerlint-cache"
    layerlint = [sys.executable, "-m", "layerlint", "check", "--exit-zero", "--format", "json",
                 "--cache-dir", str(layerlint_cache), str(tree)]
    ruff_check = [ruff, "check", "--select", "ALL", "--exit-zero", "--quiet", str(tree)]
    results: dict[str, list[Timing]] = {}
    for _ in range(rounds):
        steps = [
            ("ast.parse floor (1 process)", [sys.executable, "-c", PARSE_FLOOR, str(tree)], None),
            ("ruff check --select ALL (no cache)", [*ruff_check, "--no-cache"], None),
            ("ruff check --select ALL (warm cache)", [*ruff_check, "--cache-dir", str(ruff_cache)],
             "warm-ruff"),
            *_layerlint_steps(layerlint, layerlint_cache, ""),
        ]
        envs: dict[str, dict[str, str]] = {}
        if baseline is not None:  # the same rows for another layerlint source tree, in turn
            base_cache = workdir / "layerlint-cache-baseline"
            base_command = [*layerlint[:-3], "--cache-dir", str(base_cache), str(tree)]
            for step in _layerlint_steps(base_command, base_cache, ", baseline"):
                steps.append(step)
                envs[step[0]] = {**os.environ, "PYTHONPATH": str(baseline / "server")}
        for name, command, prepare in steps:
            if prepare == "warm-ruff":
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True)  # fill its cache
            elif isinstance(prepare, Path):
                shutil.rmtree(prepare, ignore_errors=True)
            results.setdefault(name, []).append(timed(command, workdir, envs.get(name)))
    return results


def table(results: dict[str, list[Timing]]) -> str:
    medians = {name: Timing(statistics.median(t.wall for t in runs),
                            statistics.median(t.cpu for t in runs))
               for name, runs in results.items()}
    reference = medians["ruff check --select ALL (no cache)"]
    lines = ["| run | wall s | CPU s | wall / ruff |", "|---|--:|--:|--:|"]
    for name, timing in medians.items():
        lines.append(f"| {name} | {timing.wall:.2f} | {timing.cpu:.2f} | "
                     f"{timing.wall / reference.wall:.2f}x |")
    return "\n".join(lines)


def tree_size(tree: Path) -> tuple[int, int]:
    files = sorted(tree.rglob("*.py"))
    return len(files), sum(path.read_text(encoding="utf-8").count("\n") for path in files)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True,
                              cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default="0.32.0", help="keras-hub release (PyPI)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workdir", type=Path,
                        help="where the tree and caches go (default: a temporary folder)")
    parser.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                        help="also time the layerlint of another checkout (its server/ folder "
                             "on PYTHONPATH) in the same rounds, rows marked 'baseline'")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="layerlint-check-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    tree = fetch_tree(args.version, workdir)
    files, lines = tree_size(tree)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"$ python -m bench.check_speed {shlex.join(argv or sys.argv[1:])}")
    print(f"keras-hub {args.version} (keras_hub/: {files} files, {lines:,} lines); layerlint "
          f"commit {git_commit()}; {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average {load:.1f} at the start\n")
    print(table(measure(tree, workdir, args.rounds, args.baseline)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
