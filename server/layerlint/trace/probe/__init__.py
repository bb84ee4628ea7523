"""The probe: the code that runs inside the framework's process (the trace kernel, or the user's
own IPython kernel for the magic), runs one forward pass and records every layer call.

It is self-contained on purpose: standard library only, relative imports only, a framework
imported only when the traced file imports it. The runner sends these modules' source text to
a kernel whose interpreter may not have layerlint installed (`probe_sources()`); the magic
imports the package normally. Results are plain JSON shaped like
`layerlint.trace.results.TraceResult`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .entry import record_forward, run_file, trace_live

PROBE_VERSION = 4
MODULES = ("sites", "recorder", "hooks", "devices", "user_module", "entry", "notebook")
"""Submodules in dependency order: the kernel installs them one by one."""

__all__ = ["MODULES", "PROBE_VERSION", "probe_sources", "probe_version_and_sources",
           "record_forward", "run_file", "trace_live"]


def probe_sources() -> list[tuple[str, str]]:
    """(submodule name, source text) for every probe module, in installation order."""
    folder = Path(__file__).parent
    return [(name, (folder / f"{name}.py").read_text(encoding="utf-8")) for name in MODULES]


def probe_version_and_sources() -> tuple[str, list[tuple[str, str]]]:
    """The probe's sources and a version naming exactly this text (a kernel that has another
    version installs these again)."""
    sources = probe_sources()
    return f"{PROBE_VERSION}-{hashlib.sha256(repr(sources).encode()).hexdigest()[:16]}", sources
