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
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.managers import BaseManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerlint.analysis import installed

_log = logging.getLogger(__name__)


_jedi = threading.Lock()
"""In the server process: one question (or the warm-up) at a time."""


class _Answers:
    """The server's side: jedi's answers by question, one question at a time."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str | None, str | None], installed.InstalledClass | None] = {}

    def resolve(self, qualified: str, python: str | None,
                keras_version: str | None) -> installed.InstalledClass | None:
        from layerlint.analysis import installed

        key = (qualified, python, keras_version)
        with _jedi:
            if key not in self._answers:
                self._answers[key] = installed.resolve_here(qualified, python, keras_version)
            return self._answers[key]

    def warm_up(self, pythons: tuple[str | None, ...]) -> None:
        """Start jedi's environment for each interpreter in a thread of the server (the first
        question waits for it), and return at once."""

        def warm() -> None:
            with _jedi:
                from layerlint.analysis import installed

                for python in pythons:
                    installed.warm_up(python)

        threading.Thread(target=warm, name="layerlint-jedi-warm-up", daemon=True).start()


class _Server(BaseManager):
    pass


_Server.register("Answers", _Answers)


_FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import[ \t]*(\([^)]*\)?|[^\n#;]*)", re.MULTILINE)
_COMMENT = re.compile(r"#[^\n]*")
_NOT_ASKED = frozenset({*sys.stdlib_module_names, "keras", "tensorflow", "tf_keras", "torch"})


def may_ask(texts: Iterable[str], workspace_names: set[str], here: bool = False) -> bool:
    """Whether checking `texts` may ask jedi anything: one of them imports a name from a
    package that is neither the standard library's, a framework's nor one of
    `workspace_names` (the folder and file names of the checked paths). `here`: the questions
    are about this process's interpreter (no `python` setting), so an imported name that
    `module_search` answers (a module, or a package not installed) asks nothing either. A
    guess that only decides whether jedi starts before it is asked; it stops at the first such
    import."""
    if here:
        from layerlint.analysis.module_search import plainly_no_class
    for text in texts:
        for match in _FROM_IMPORT.finditer(text):
            module = match.group(1)
            root = module.partition(".")[0]
            if root in _NOT_ASKED or root in workspace_names:
                continue
            if not here:
                return True
            names = _COMMENT.sub("", match.group(2)).strip("()\\ \t\n")
            for imported in names.split(","):
                name = imported.split()[0] if imported.split() else ""
                if name and name != "*" and not plainly_no_class(f"{module}.{name}"):
                    return True
    return False


@contextmanager
def shared_jedi(workers: int, pythons: tuple[str | None, ...] = ()) -> Iterator[None]:
    """Inside the block, processes forked from this one (with more than one worker) ask one
    jedi server for installed classes. `pythons`: the interpreters (`python` settings) whose
    jedi environment the server starts at once. Importing the analysis may wait until inside
    the block (the server imports what it needs)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    try:
        server = _Server(ctx=multiprocessing.get_context("fork"))
        server.start()
        answers = server.Answers()  # type: ignore[attr-defined]
        if pythons:
            answers.warm_up(pythons)
    except Exception as error:  # no server: every worker asks jedi itself
        _log.debug("layerlint: no shared jedi: %r", error)
        yield
        return
    from layerlint.analysis import installed

    previous = installed.resolve_with(answers.resolve)
    try:
        yield
    finally:
        installed.resolve_with(previous)
        server.shutdown()
