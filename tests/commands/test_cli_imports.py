"""`layerlint check` does not import the trace machinery: `build_parser` loads every command
module, so the trace command keeps its heavy imports inside `run`."""

from __future__ import annotations

from import_probe import printed_by

PROBE = (
    "import sys; from layerlint.cli import build_parser; "
    "build_parser().parse_args(['check', '.']); "
    "print(sorted(m for m in sys.modules if m.startswith('layerlint.trace')))"
)


def test_check_parser_does_not_import_trace_runner():
    assert printed_by(PROBE) == "[]"


def test_trace_parser_still_builds_and_accepts_a_target():
    from layerlint.cli import build_parser

    args = build_parser().parse_args(["trace", "model.py:Net", "--format", "json"])
    assert args.command == "trace" and args.target == "model.py:Net"
    assert args.run.__module__ == "layerlint.commands.trace"
