"""One jedi for all of a check's worker processes.

A layer class of an installed package (`from timm.layers import BatchNormAct2d`) is found with
jedi (`analysis.installed`), whose environment costs about a second to start in each process
that asks (its own interpreter subprocess, the stubs of the standard library), and most
questions on a large tree are asked by every worker (`absl.testing.parameterized`). Here the
questions of the workers go to one server process, forked from the parent before the workers
(`multiprocessing.managers`), which asks jedi once per name and sends the answer back; each
worker still remembers its answers. The answers are the ones jedi gives in any process forked
from the parent (same interpreter, folder and settings), so the findings do not change. Where
workers are not forked, or the server cannot start or answer, each worker asks jedi itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.managers import BaseManager

from layerlint.analysis import installed

_log = logging.getLogger(__name__)


class _Answers:
    """The server's side: jedi's answers by question, one question at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str | None, str | None], installed.InstalledClass | None] = {}

    def resolve(self, qualified: str, python: str | None,
                keras_version: str | None) -> installed.InstalledClass | None:
        key = (qualified, python, keras_version)
        with self._lock:
            if key not in self._answers:
                self._answers[key] = installed.resolve_here(qualified, python, keras_version)
            return self._answers[key]


class _Server(BaseManager):
    pass


_Server.register("Answers", _Answers)


@contextmanager
def shared_jedi(workers: int) -> Iterator[None]:
    """Inside the block, processes forked from this one (with more than one worker) ask one
    jedi server for installed classes."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    try:
        server = _Server(ctx=multiprocessing.get_context("fork"))
        server.start()
        answers = server.Answers()  # type: ignore[attr-defined]
    except Exception as error:  # no server: every worker asks jedi itself
        _log.debug("layerlint: no shared jedi: %r", error)
        yield
        return
    previous = installed.resolve_with(answers.resolve)
    try:
        yield
    finally:
        installed.resolve_with(previous)
        server.shutdown()
