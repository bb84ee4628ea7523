"""Resident memory of a process and all its descendants, read from Linux's /proc.

Language servers may fork workers (ruff's threads live in one process, pylsp and pygls servers
may spawn helpers), so the benchmark sums VmRSS over the whole tree rooted at the server.
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _parent_pid(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1])


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            parent = _parent_pid(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def resident_kib(pid: int) -> int:
    """VmRSS of one process in KiB; 0 when it is gone or a zombie."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_resident_kib(pid: int) -> int:
    """Summed VmRSS of `pid` and its descendants, in KiB."""
    return sum(resident_kib(member) for member in descendants(pid))
