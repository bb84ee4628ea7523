"""Turns benchmark sessions into the result table: Markdown for people, JSON for machines.

Sessions of one server on one file (several with `--rounds`) are pooled into one row. Ratios are
to the reference server (ruff) on the same file in the same run, because only side-by-side
numbers survive a noisy machine.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bench.latency_stats import LatencySummary, ratio, summarize
from bench.lsp_session import SessionResult

REFERENCE_SERVER = "ruff"

Slow = tuple[int, int, str, float | None]
"""(session, 1-based; measured edit, 0-based; its kind; ms, None for a timeout)."""


@dataclass(frozen=True)
class Row:
    server: str
    file: str
    file_lines: int
    server_info: str
    text_sync: str
    sessions: int
    edits_per_session: int
    latency: LatencySummary
    open_ms: float  # median over sessions
    rss_mib: float  # largest over sessions
    publishes_version: str  # "yes", "no" or "mixed"
    open_codes: dict[str, int]
    final_codes: dict[str, int]
    peak_codes: dict[str, int]
    errors: list[str]
    workload: str = "typing"  # "typing" (incremental keys) or "document" (full-text changes)
    server_rss_mib: float = 0.0  # the server process alone, largest over sessions
    children_rss_mib: float = 0.0  # its child processes (the sum), largest over sessions
    slowest: tuple[Slow, ...] = ()
    """The slowest edits pooled, slowest first, down to the one that is the p95 (nearest rank:
    the 10th slowest of 180): which edits set the tail."""


def _slowest(sessions: Sequence[SessionResult]) -> tuple[Slow, ...]:
    """The edits from the slowest down to the p95's (`latency_stats.percentile`'s rank)."""
    pooled = [
        (math.inf if latency is None else latency, number, index,
         session.edit_kinds[index] if index < len(session.edit_kinds) else "key")
        for number, session in enumerate(sessions, start=1)
        for index, latency in enumerate(session.latencies_ms)
    ]
    if not pooled:
        return ()
    shown = len(pooled) - max(1, math.ceil(0.95 * len(pooled))) + 1
    pooled.sort(key=lambda edit: -edit[0])
    return tuple((number, index, kind, latency if math.isfinite(latency) else None)
                 for latency, number, index, kind in pooled[:shown])


def _version_behaviour(sessions: Sequence[SessionResult]) -> str:
    versioned = sum(session.versioned_publishes for session in sessions)
    unversioned = sum(session.unversioned_publishes for session in sessions)
    if versioned and unversioned:
        return "mixed"
    return "yes" if versioned else "no"


def build_row(
    sessions: Sequence[SessionResult], file_lines: int, workload: str = "typing"
) -> Row:
    """Pools the sessions of one server on one file and workload."""
    first = sessions[0]
    opened = [session.open_ms for session in sessions if session.open_ms is not None]
    latencies = [latency for session in sessions for latency in session.latencies_ms]
    return Row(
        server=first.server,
        file=first.path.name,
        file_lines=file_lines,
        server_info=first.server_info,
        text_sync=first.text_sync,
        sessions=len(sessions),
        edits_per_session=len(first.latencies_ms),
        latency=summarize(latencies),
        open_ms=statistics.median(opened) if opened else math.nan,
        rss_mib=max(session.rss_kib for session in sessions) / 1024,
        publishes_version=_version_behaviour(sessions),
        open_codes=first.open_codes,
        final_codes=first.final_codes,
        peak_codes=first.peak_codes,
        errors=[session.error for session in sessions if session.error],
        workload=workload,
        server_rss_mib=max(session.server_rss_kib for session in sessions) / 1024,
        children_rss_mib=max(session.rss_kib - session.server_rss_kib for session in sessions) / 1024,
        slowest=_slowest(sessions),
    )


def _reference(rows: Sequence[Row], row: Row) -> Row | None:
    for candidate in rows:
        if (candidate.server == REFERENCE_SERVER and candidate.file == row.file
                and candidate.workload == row.workload):
            return candidate
    return None


def _ratios(rows: Sequence[Row], row: Row) -> tuple[float, float]:
    reference = _reference(rows, row)
    if reference is None:
        return math.nan, math.nan
    return (
        ratio(row.latency.p50_ms, reference.latency.p50_ms),
        ratio(row.latency.p95_ms, reference.latency.p95_ms),
    )


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "timeout"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _times(value: float) -> str:
    if math.isnan(value):
        return "-"
    return "inf" if math.isinf(value) else f"{value:.2f}x"


def _codes(codes: dict[str, int], limit: int = 6) -> str:
    if not codes:
        return "none"
    shown = [f"{code} x{count}" for code, count in list(codes.items())[:limit]]
    if len(codes) > limit:
        shown.append(f"+{len(codes) - limit} more codes")
    return ", ".join(shown)


def markdown(rows: Sequence[Row], preamble: Sequence[str]) -> str:
    lines = [*preamble, ""]
    lines.append(
        "| workload | file | server | edits | p50 ms | p95 ms | max ms | timeouts | p50 / ruff | p95 / ruff"
        " | open ms | RSS MiB server + children | version in publish |"
    )
    lines.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for row in rows:
        p50_ratio, p95_ratio = _ratios(rows, row)
        edits = (
            f"{row.sessions}x{row.edits_per_session}"
            if row.sessions > 1
            else str(row.edits_per_session)
        )
        lines.append(
            f"| {row.workload} | {row.file} ({row.file_lines} lines) | {row.server} | {edits}"
            f" | {_ms(row.latency.p50_ms)} | {_ms(row.latency.p95_ms)} | {_ms(row.latency.max_ms)}"
            f" | {row.latency.timeouts} | {_times(p50_ratio)} | {_times(p95_ratio)}"
            f" | {_ms(row.open_ms)} | {_rss(row)} | {row.publishes_version} |"
        )
    lines.append("")
    lines.append(
        "Diagnostics by code (first session of each row): on open; at most in one publish"
        " while typing; after the last key."
    )
    lines.append("")
    for row in rows:
        lines.append(
            f"- {row.server} ({row.server_info or 'no serverInfo'}, {row.text_sync} sync) on"
            f" {row.file}, {row.workload}: open {_codes(row.open_codes)}; peak {_codes(row.peak_codes)};"
            f" last {_codes(row.final_codes)}"
        )
        lines.extend(f"  - error: {error}" for error in row.errors)
    lines.append("")
    lines.append(
        "Slowest edits, pooled, slowest first, down to the one that is the p95 (ms, session"
        " s and measured edit #, its kind):"
    )
    lines.append("")
    for row in rows:
        shown = ", ".join(f"{_ms(math.inf if ms is None else ms)} (s{number} #{index} {kind})"
                          for number, index, kind, ms in row.slowest)
        lines.append(f"- {row.server} on {row.file}, {row.workload}: {shown or 'none'}")
    return "\n".join(lines)


def _rss(row: Row) -> str:
    """`74 + 37`: the server process, and its child processes still running after the last
    key (layerlint's project index build); one figure when it has none."""
    children = round(row.children_rss_mib)
    return f"{row.server_rss_mib:.0f} + {children}" if children else f"{row.server_rss_mib:.0f}"


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def to_json(rows: Sequence[Row], context: dict[str, object]) -> str:
    """Infinite (timed-out) and missing figures become null."""
    records = []
    for row in rows:
        p50_ratio, p95_ratio = _ratios(rows, row)
        record = asdict(row)
        record["latency"] = {
            key: _json_number(value) if isinstance(value, float) else value
            for key, value in asdict(row.latency).items()
        }
        record["open_ms"] = _json_number(row.open_ms)
        record["p50_ratio_to_ruff"] = _json_number(p50_ratio)
        record["p95_ratio_to_ruff"] = _json_number(p95_ratio)
        records.append(record)
    return json.dumps({**context, "results": records}, indent=2)
