"""What `layerlint serve` gives back after its imports (`lsp/memory_release.py`): the protocol
classes' copies of their module's namespace shrink to the names their generated methods read,
and every generated method still works."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable

import pytest
from import_probe import printed_by

PROBE = """
import gc, json, linecache, os, sys, types
import attrs
from layerlint.commands import serve
serve._import_asyncio_without_tls()
from layerlint.lsp.server import build_server
from layerlint.lsp.memory_release import release_import_leftovers
from lsprotocol import types as lsp
from pygls.protocol import default_converter

def rss_kib():
    with open(f"/proc/{os.getpid()}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

build_server()
gc.collect()
before = rss_kib() if sys.platform.startswith("linux") else 0
shrunk = release_import_leftovers()
after = rss_kib() if sys.platform.startswith("linux") else 0
classes = [value for value in vars(lsp).values()
           if isinstance(value, type) and "__attrs_attrs__" in vars(value)]
sizes = [len(vars(cls)["__init__"].__globals__) for cls in classes
         if isinstance(vars(cls).get("__init__"), types.FunctionType)]
missing, built = [], 0
for cls in classes:
    try:
        # None for every field: validators may refuse it, but no method may miss a name.
        item = cls(**{field.name: None for field in attrs.fields(cls)})
        built += 1
        repr(item), item == item, item != cls.__new__(cls)
        if cls.__hash__ is not None:
            hash(item)
    except NameError as error:
        missing.append(f"{cls.__name__}: {error}")
    except Exception:
        pass
converter = default_converter()
diagnostic = lsp.Diagnostic(range=lsp.Range(lsp.Position(0, 1), lsp.Position(2, 3)), message="m",
                            severity=lsp.DiagnosticSeverity.Error, code="LL101")
round_trip = converter.structure(converter.unstructure(diagnostic), lsp.Diagnostic) == diagnostic
generated = [name for name in linecache.cache if name.startswith("<attrs generated")]
print(json.dumps({"shrunk": shrunk, "largest": max(sizes), "classes": len(classes),
                  "built": built, "missing": missing, "round_trip": round_trip,
                  "generated_sources": len(generated), "freed_kib": before - after}))
"""


@pytest.fixture(scope="module")
def released() -> dict:
    return json.loads(printed_by(PROBE).splitlines()[-1])


def test_every_protocol_class_namespace_is_shrunk(released: dict) -> None:
    assert released["shrunk"] >= 500  # lsprotocol has ~560 attrs classes with generated methods
    # Before: a copy of lsprotocol.types' namespace, up to ~1,000 names; after: what __init__ reads.
    assert released["largest"] < 60


def test_every_generated_method_still_finds_its_names(released: dict) -> None:
    assert released["built"] > 100
    assert released["missing"] == []
    assert released["round_trip"] is True


def test_generated_sources_leave_linecache(released: dict) -> None:
    assert released["generated_sources"] == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_freed_memory_goes_back_to_the_system(released: dict) -> None:
    assert released["freed_kib"] > 2048  # measured: ~6 MiB


def test_free_pages_go_back_once_every_few_publishes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an event loop, every `TRIM_EVERY` publishes; and what is cached for retired
    block texts is forgotten after every publish (when enough of them wait:
    `retired_texts.forget_due`), out of the edit's time."""
    from layerlint.analysis import document_memory
    from layerlint.lsp import memory_release

    trims: list[int] = []
    forgets: list[int] = []
    monkeypatch.setattr(memory_release, "return_free_pages", lambda: trims.append(1))
    monkeypatch.setattr(document_memory, "forget_retired", lambda: forgets.append(1))
    monkeypatch.setattr(memory_release, "_publishes", [0])
    for _ in range(3 * memory_release.TRIM_EVERY - 1):
        memory_release.after_publish()
    assert len(trims) == 2
    assert len(forgets) == 3 * memory_release.TRIM_EVERY - 1


class _Clock:
    """An event loop's clock and timers, moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[..., None], *args: object) -> None:
        self.timers.append((self.now + delay, lambda: callback(*args)))

    def advance(self, seconds: float) -> None:
        """Move the clock on, running each timer that falls due on the way at its time."""
        end = self.now + seconds
        while due := [timer for timer in self.timers if timer[0] <= end]:
            timer = min(due, key=lambda item: item[0])
            self.timers.remove(timer)
            self.now = max(self.now, timer[0])
            timer[1]()
        self.now = end


def test_in_the_server_free_pages_go_back_once_the_documents_are_quiet(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With an event loop running (the server), no trim comes between two quick keys (the
    next analysis would fault the pages in again): one comes after the last publish once
    `TRIM_AFTER_QUIET_SECONDS` passed without another, and none without a publish."""
    from layerlint.analysis import document_memory
    from layerlint.lsp import memory_release

    trims: list[float] = []
    clock = _Clock()
    monkeypatch.setattr(memory_release, "return_free_pages", lambda: trims.append(clock.now))
    monkeypatch.setattr(document_memory, "forget_retired", lambda: None)
    monkeypatch.setattr(memory_release.asyncio, "get_running_loop", lambda: clock)
    monkeypatch.setattr(memory_release, "_waiting", [])
    quiet = memory_release.TRIM_AFTER_QUIET_SECONDS
    for _ in range(100):  # typing: a key every tenth of the quiet time
        memory_release.after_publish()
        clock.advance(quiet / 10)
    assert trims == [] and len(clock.timers) == 1  # one timer, moved along
    last = clock.now - quiet / 10
    clock.advance(quiet)
    assert trims == [pytest.approx(last + quiet)]
    clock.advance(10 * quiet)
    assert len(trims) == 1 and not clock.timers
    memory_release.after_publish()  # a key after the pause: one more, a quiet time later
    clock.advance(2 * quiet)
    assert len(trims) == 2


def test_a_timer_of_an_earlier_loop_trims_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server started again in the same process (another event loop) takes the trim over:
    the earlier loop's timer, should it still fire, leaves it alone."""
    from layerlint.analysis import document_memory
    from layerlint.lsp import memory_release

    trims: list[int] = []
    earlier, later = _Clock(), _Clock()
    monkeypatch.setattr(memory_release, "return_free_pages", lambda: trims.append(1))
    monkeypatch.setattr(document_memory, "forget_retired", lambda: None)
    monkeypatch.setattr(memory_release, "_waiting", [])
    for clock in (earlier, later):
        monkeypatch.setattr(memory_release.asyncio, "get_running_loop", lambda clock=clock: clock)
        memory_release.after_publish()
    earlier.advance(10 * memory_release.TRIM_AFTER_QUIET_SECONDS)
    assert trims == [] and not earlier.timers
    later.advance(10 * memory_release.TRIM_AFTER_QUIET_SECONDS)
    assert trims == [1]


def test_returning_free_pages_works_where_malloc_trim_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from layerlint.lsp import memory_release

    monkeypatch.setattr(memory_release, "_trim", [None])  # not glibc: nothing to call
    memory_release.return_free_pages()
    monkeypatch.setattr(memory_release, "_trim", [])
    memory_release.return_free_pages()  # loads it where there is one
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert (memory_release._trim[0] is not None) == glibc
