"""The latency benchmark's sessions replayed in one process, through pygls' own protocol: what
layerlint's server does per edit (parse the message, apply the change, analyse, convert, write
the publish), without pipes, client or scheduler, old checkout against new.

    .venv/bin/python -m bench.server_replay --lines 2000 [--workload typing|document]
        [--base CHECKOUT] [--pairs 3]

Each edit is timed from handing its `didChange` to the protocol to the moment the
`publishDiagnostics` for its version is written ("to publish"), and to the moment the handler
returned ("with after-work": what the server does after writing, such as a garbage collection
the handler put off, which a client sending the next edit at once may still wait for). CPU time
(`time.process_time`), so a loaded machine blurs the figures less; the first five edits are
warm-up. `--base` alternates runs of another checkout's `server/` and this one in fresh
processes (`--pairs` of each) and prints pooled p50/p95 and the new/old ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.document_script import plan_document_edits
from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import DEFAULT_OUT_DIR, write_models
from bench.in_process_server import initialized_server
from bench.lsp_session import _content_change

WARMUP = 5


def replay(lines: int, workload: str, edits: int = 60) -> dict[str, list[float]]:
    """Milliseconds per measured edit: {"to_publish": [...], "with_after_work": [...]}."""
    (path,) = write_models([lines], DEFAULT_OUT_DIR)
    written: list[tuple[bytes, float]] = []
    server = initialized_server(path.parent,
                                lambda data: written.append((data, time.process_time())))
    send = server.send
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    send("textDocument/didOpen",
         {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    count = WARMUP + edits
    steps = plan_typing(text, count) if workload == "typing" else plan_document_edits(text, count)
    times: dict[str, list[float]] = {"to_publish": [], "with_after_work": []}
    for number, step in enumerate(steps):
        version = number + 2
        after = apply_edit(text, step) if workload == "typing" else step.text  # type: ignore[arg-type]
        params = json.loads(json.dumps({"textDocument": {"uri": uri, "version": version},
                                        "contentChanges": [_content_change(after, step, 2)]}))
        written.clear()
        started = time.process_time()
        send("textDocument/didChange", params)
        finished = time.process_time()
        published = [at for data, at in written
                     if b"publishDiagnostics" in data and b'"version": %d' % version in data]
        if not published:
            raise RuntimeError(f"no publish for version {version}")
        text = after
        if number >= WARMUP:
            times["to_publish"].append((published[0] - started) * 1000)
            times["with_after_work"].append((finished - started) * 1000)
    server.close()
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]  # nearest rank, as bench.latency_stats


def _in_fresh_process(server_dir: Path, lines: int, workload: str) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(server_dir))
    command = [sys.executable, "-m", "bench.server_replay", "--lines", str(lines),
               "--workload", workload, "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--workload", choices=("typing", "document"), default="typing")
    parser.add_argument("--base", type=Path, help="another checkout, timed alternately")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one run, its times as JSON")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(replay(args.lines, args.workload)))
        return
    here = Path(__file__).resolve().parent.parent / "server"
    sides = {"new": here} if args.base is None else {"old": args.base / "server", "new": here}
    pooled: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
    for pair in range(args.pairs):
        order = list(sides) if pair % 2 == 0 else list(reversed(sides))
        for side in order:
            for measure, values in _in_fresh_process(sides[side], args.lines, args.workload).items():
                pooled[side].setdefault(measure, []).extend(values)
    print(f"{args.workload}, {args.lines} lines, {args.pairs} run(s) per side, CPU ms per edit")
    for measure in ("to_publish", "with_after_work"):
        row = [f"{measure:16s}"]
        for side in sides:
            values = pooled[side][measure]
            row.append(f"{side} p50 {statistics.median(values):.2f} p95 {_p95(values):.2f}")
        if "old" in sides:
            old, new = pooled["old"][measure], pooled["new"][measure]
            row.append(f"new/old p50 {statistics.median(new) / statistics.median(old):.2f} "
                       f"p95 {_p95(new) / _p95(old):.2f}")
        print(" | ".join(row))


if __name__ == "__main__":
    main()
