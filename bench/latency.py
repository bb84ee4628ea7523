"""Edit-to-diagnostics latency of layerlint, ruff server and pylsp, side by side in one run.

    .venv/bin/python -m bench.latency                       # all servers, 2k and 10k lines
    .venv/bin/python -m bench.latency --servers layerlint ruff --lines 2000 --rounds 3
    .venv/bin/python -m bench.latency --json > latency.json
    .venv/bin/python -m bench.latency --servers layerlint ruff --baseline ../checkout-of-main

Generates the model files (`bench.generate_models`), plans per file and workload the edits
(typing: `bench.edit_script`, one incremental key per didChange; document:
`bench.document_script`, whole-text didChanges spread over the file, as JupyterLab sends them),
runs them against each server in turn with the same raw client (`bench.lsp_session`), and
prints a Markdown table (`bench.report`) preceded by the exact command and the machine.
`--baseline CHECKOUT` adds a server `layerlint-baseline`: another checkout's `server/` on
PYTHONPATH, so that a change and the code before it are measured in one run. With
`--rounds N` the servers take turns N times per file, in a rotating order, so slow drift of the
machine's load hits every server alike. Server stderr logs land in `<out>/logs/`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.document_script import PASTE_EVERY, PASTE_LINES, FullText, plan_document_edits
from bench.edit_script import (
    Edit,
    find_script_target,
    find_typing_target,
    plan_script_typing,
    plan_typing,
)
from bench.generate_models import DEFAULT_OUT_DIR, DEFAULT_SIZES, write_models
from bench.lsp_session import SessionOptions, SessionResult, run_session
from bench.report import Row, build_row, markdown, to_json

WORKLOADS = ("typing", "document", "script", "script-end")
DEFAULT_WORKLOADS = ("typing", "document")
BASELINE = "layerlint-baseline"
VENV_BIN = Path(sys.executable).parent
SERVER_COMMANDS = {
    "layerlint": [sys.executable, "-m", "layerlint", "serve"],
    "ruff": [str(VENV_BIN / "ruff"), "server"],
    "pylsp": [str(VENV_BIN / "pylsp")],
    "layerlint-floor": [sys.executable, "-m", "bench.floor_server"],
}
DEFAULT_SERVERS = ["layerlint", "ruff", "pylsp"]
"""`layerlint-floor` (the server with an analysis that finds nothing) runs when asked for."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.latency", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--servers", nargs="+", choices=list(SERVER_COMMANDS), default=DEFAULT_SERVERS,
        help="layerlint-floor: `layerlint serve` whose analysis finds nothing"
        " (`bench/floor_server.py`), the server's own share of the latency",
    )
    parser.add_argument(
        "--lines",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="sizes of the generated model files (default: 2000 10000)",
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=WORKLOADS,
        default=list(DEFAULT_WORKLOADS),
        help="typing: one incremental key per didChange; document: full-text didChange, edits"
        " spread over the file (default: both); script: keys typed into the module-level code"
        " of each of --scripts, after the statement nearest its middle line; script-end: the"
        " same after its last statement",
    )
    parser.add_argument(
        "--scripts", type=Path, nargs="+", default=[],
        help="real scripts for the script workload (copied under --out first)",
    )
    parser.add_argument("--edits", type=int, default=60, help="measured keystrokes per session")
    parser.add_argument(
        "--pylsp-edits",
        type=int,
        default=20,
        help="measured keystrokes for pylsp, which debounces for ~0.5 s",
    )
    parser.add_argument("--warmup", type=int, default=5, help="keystrokes sent first, not counted")
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds to wait for an edit's diagnostics before counting a timeout",
    )
    parser.add_argument(
        "--open-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for initialize and the diagnostics of didOpen",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds between an edit's diagnostics and the next key",
    )
    parser.add_argument("--rounds", type=int, default=1, help="sessions per server and file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model generator")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT_DIR, help="where the model files and server logs go"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument(
        "--baseline", type=Path,
        help="another checkout of layerlint, run as the server `layerlint-baseline`",
    )
    return parser


def server_commands(baseline: Path | None) -> dict[str, list[str]]:
    """The command of each server; with `baseline`, `layerlint-baseline` runs that checkout's
    `server/` (first on PYTHONPATH) with this Python."""
    commands = dict(SERVER_COMMANDS)
    if baseline is not None:
        server_dir = (baseline / "server").resolve()
        commands[BASELINE] = ["env", f"PYTHONPATH={server_dir}", sys.executable, "-m",
                              "layerlint", "serve"]
    return commands


def servers_to_run(args: argparse.Namespace) -> list[str]:
    """The servers asked for, and the baseline after them when one is given."""
    return [*args.servers, BASELINE] if args.baseline is not None else list(args.servers)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _git_commit() -> str:
    """The checkout's commit, marked dirty when the server's sources have local changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} (server/ has uncommitted changes)" if dirty else commit


def machine_context(argv: Sequence[str]) -> dict[str, Any]:
    return {
        "commit": _git_commit(),
        "command": shlex.join([sys.executable, "-m", "bench.latency", *argv]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def _preamble(context: dict[str, Any], notes: Sequence[str]) -> list[str]:
    load = " ".join(str(value) for value in context["load_average_at_start"])
    return [
        "## Edit-to-diagnostics latency",
        "",
        f"Command: `{context['command']}` at commit {context['commit']}",
        "",
        f"Machine: {context['cpu']}, nproc {context['nproc']}, {context['platform']},"
        f" Python {context['python']}, load average at start {load}, {context['date']}.",
        "",
        *notes,
    ]


def _plan(workload: str, source: str, count: int) -> Sequence[Edit | FullText]:
    if workload == "typing":
        return plan_typing(source, count)
    if workload.startswith("script"):
        return plan_script_typing(source, count, _script_place(workload))
    return plan_document_edits(source, count)


def _script_place(workload: str) -> str:
    """Where a script workload types (`edit_script.SCRIPT_PLACES`)."""
    return "end" if workload == "script-end" else "middle"


def _files(workload: str, args: argparse.Namespace, generated: list[Path]) -> list[Path]:
    """The generated model files, or for the script workloads copies of `--scripts` (so the
    servers see no project around them)."""
    if not workload.startswith("script"):
        return generated
    if not args.scripts:
        raise SystemExit("the script workload needs --scripts")
    folder = args.out / "scripts"
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for script in args.scripts:
        copy = folder / script.name
        copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
        copies.append(copy)
    return copies


async def run_all(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    generated = (write_models(args.lines, args.out, args.seed)
                 if set(args.workloads) - {"script", "script-end"} else [])
    rows: list[Row] = []
    notes: list[str] = []
    options = SessionOptions(args.warmup, args.timeout, args.open_timeout, args.pause)
    commands, servers = server_commands(args.baseline), servers_to_run(args)
    for workload in args.workloads:
        for path in _files(workload, args, generated):
            source = path.read_text(encoding="utf-8")
            file_lines = len(source.splitlines())
            if workload == "typing":
                target = find_typing_target(source)
                notes.append(
                    f"- typing, {path.name}: after line {target.anchor_line}, inside the `call()`"
                    f" at line {target.method_line}, statements using"
                    f" `self.{target.layer_attribute}`."
                )
            elif workload.startswith("script"):
                target = find_script_target(source, _script_place(workload))
                notes.append(f"- {workload}, {path.name}: at the top level, after the statement"
                             f" of lines {target.method_line}-{target.anchor_line}.")
            sessions: dict[str, list[SessionResult]] = {server: [] for server in servers}
            for round_number in range(args.rounds):
                shift = round_number % len(servers)
                for server in [*servers[shift:], *servers[:shift]]:
                    measured = args.pylsp_edits if server == "pylsp" else args.edits
                    edits = _plan(workload, source, args.warmup + measured)
                    log_name = f"{server}_{workload}_{path.stem}_{round_number}.stderr"
                    print(f"{workload} {path.name}: {server} round {round_number + 1}",
                          file=sys.stderr)
                    session = await run_session(
                        server, commands[server], path, edits, options,
                        args.out / "logs" / log_name,
                    )
                    sessions[server].append(session)
            rows.extend(
                build_row(sessions[server], file_lines, workload) for server in servers
            )
    return rows, notes


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    context = machine_context(argv)
    rows, notes = asyncio.run(run_all(args))
    notes = [
        f"Each session: initialize, didOpen, {args.warmup} warm-up edits (not counted), then"
        f" {args.edits} measured edits ({args.pylsp_edits} for pylsp); the next edit goes after"
        f" the previous one's diagnostics or a {args.timeout:g} s timeout. Latency: didChange"
        " written -> publishDiagnostics with that version read. RSS: VmRSS of the server process"
        " + the sum of its children still running, after the last edit.",
        "",
        "- typing: one key per incremental didChange (`bench/edit_script.py`).",
        "- script: one key per incremental didChange, typing two statements into the"
        " module-level code of a real script (`bench/edit_script.py`, `plan_script_typing`),"
        " after the statement nearest its middle line; script-end: after its last statement.",
        "- document: the whole new text in every didChange, as JupyterLab sends it"
        " (`bench/document_script.py`): a comment appended to a line in a different class each"
        f" time; every {PASTE_EVERY} edits a pasted block of {PASTE_LINES} lines (copied"
        " definitions, renamed) and a deleted class.",
        *notes,
    ]
    if args.json:
        print(to_json(rows, {**context, "notes": notes}))
    else:
        print(markdown(rows, _preamble(context, notes)))
    return 1 if any(row.errors for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
