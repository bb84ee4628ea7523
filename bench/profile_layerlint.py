"""Where layerlint's edit-to-diagnostics time goes: analysis versus the LSP layer around it.

    .venv/bin/python -m bench.profile_layerlint --lines 2000 [--top 25]

Three measurements on the benchmark's own file and typing script:
1. `analyse()` in a fresh process on every intermediate text (after one unmeasured analysis
   of the opened file, as the server has done by then): the pure analysis latency per key.
2. The same keys against `layerlint serve` with the benchmark client: the latency an editor sees.
   The difference of the medians is the cost of the protocol layer (JSON, pygls, sync, convert).
3. cProfile of step 1 (in a second fresh process), its top functions by own and by
   cumulative time, and cProfile of a whole server session (`python -m cProfile -m layerlint
   serve`, didOpen included), saved as `<out>/layerlint_server.prof` for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import pstats
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import DEFAULT_OUT_DIR, write_models
from bench.latency_stats import summarize
from bench.lsp_session import SessionOptions, run_session


def _top(profile: pstats.Stats, sort: str, count: int) -> str:
    stream = io.StringIO()
    profile.stream = stream  # type: ignore[attr-defined]
    profile.sort_stats(sort).print_stats(count)
    return stream.getvalue()


def analysis_pass(path: Path, keys: int, profile_path: Path | None = None) -> list[float]:
    """Milliseconds of `analyse()` per intermediate text; profiled into `profile_path` if given.

    Run each pass in a fresh process: the analysis caches blocks by content, so a second pass
    over the same texts in one process would only measure cache hits.
    """
    from layerlint.analysis import analyse  # imported here: the rest of bench stays light

    text = path.read_text(encoding="utf-8")
    analyse(text, path=str(path))
    profiler = cProfile.Profile()
    latencies = []
    for edit in plan_typing(text, keys):
        text = apply_edit(text, edit)
        if profile_path is not None:
            profiler.enable()
        started = time.perf_counter()
        analyse(text, path=str(path))
        latencies.append((time.perf_counter() - started) * 1000)
        profiler.disable()
    if profile_path is not None:
        profiler.dump_stats(str(profile_path))
    return latencies


def in_fresh_process(path: Path, keys: int, profile_path: Path | None = None) -> list[float]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(analysis_pass, path, keys, profile_path).result()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    (path,) = write_models([args.lines], args.out)
    keys = args.warmup + args.edits

    analysis_profile = args.out / "layerlint_analysis.prof"
    in_process = summarize(in_fresh_process(path, keys)[args.warmup :])
    in_fresh_process(path, keys, analysis_profile)

    server_profile = args.out / "layerlint_server.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(server_profile)]
    command += ["-m", "layerlint", "serve"]
    plain = [sys.executable, "-m", "layerlint", "serve"]
    options = SessionOptions(warmup=args.warmup, edit_timeout=5.0, open_timeout=120.0)
    edits = plan_typing(path.read_text(encoding="utf-8"), keys)
    logs = args.out / "logs"
    served = asyncio.run(run_session("layerlint", plain, path, edits, options, logs / "profile_plain.stderr"))
    asyncio.run(run_session("layerlint", command, path, edits, options, logs / "profile_cprofile.stderr"))
    over_lsp = summarize(served.latencies_ms)

    print(f"# layerlint on {path.name}, {args.edits} keys after {args.warmup} warm-up keys")
    print(f"analyse() alone:      p50 {in_process.p50_ms:.1f} ms, p95 {in_process.p95_ms:.1f} ms")
    print(f"layerlint serve:      p50 {over_lsp.p50_ms:.1f} ms, p95 {over_lsp.p95_ms:.1f} ms")
    print(f"protocol layer (p50 difference): {over_lsp.p50_ms - in_process.p50_ms:.1f} ms")
    analysis_stats = pstats.Stats(str(analysis_profile))
    print("\n## analyse() over the typing script, by own time")
    print(_top(analysis_stats, "tottime", args.top))
    print("## analyse() over the typing script, by cumulative time")
    print(_top(analysis_stats, "cumulative", args.top))
    if server_profile.exists():
        print("## the server process (whole session, didOpen included), by cumulative time")
        print(_top(pstats.Stats(str(server_profile)), "cumulative", args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
