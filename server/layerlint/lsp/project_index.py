"""Other project files' uses of a document's classes, kept off the keystroke path.

A class in `blocks.py` may be saved by `train.py`; the analysis learns that from an index of
the project (`analysis/project_evidence.py`). Building it lists, stats and reads up to 3,000
files, so the server never builds it while a keystroke waits: an analysis reads the latest
index of the file's project, as it is (None before the first one: no uses elsewhere), and a
file whose project has none yet asks for one. The index is built in a separate process
(`lsp/index_worker.py`, awaited from a daemon thread, which frees the interpreter for the
keystrokes and leaves no parsed tree in the server's memory; shutdown and exit stop it, so a
server never outlives its client waiting for a build), and rebuilt, reading again only
the files that changed, after `textDocument/didSave` or `workspace/didChangeWatchedFiles` of a
`.py` or `.ipynb` file under its root. A build starts once the documents were left alone for
`QUIET_SECONDS` (at most `MAX_DEFERRAL_SECONDS` after it was asked for): its process takes a
core for as long as it reads the project, and edits sent meanwhile waited longer. When an
index arrives that changes what the analyses get, every open document is analysed again and
its diagnostics re-shown if they changed, the way pylsp and jedi-language-server publish late
results. The index is swapped on the event loop, between messages, so each analysis reads one
consistent snapshot.

`layerlint check` and `analyse()` outside the server are unaffected: the server installs this
source of indexes when it starts serving (`index_in_background`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

import layerlint
from layerlint.analysis import project_evidence
from layerlint.analysis.project_evidence import ProjectIndex
from layerlint.lsp import publish
from layerlint.lsp.session import LayerlintServer, ProjectIndexState

logger = logging.getLogger(__name__)

WORKER_COMMAND = [sys.executable, "-m", "layerlint.lsp.index_worker"]
INDEXED_SUFFIXES = (".py", ".ipynb")
WATCHED_GLOBS = ("**/*.py", "**/*.ipynb")
"""Watched for the index (a client that registers them reports saves made outside the editor)."""
_BUILD_TIMEOUT = 600.0
QUIET_SECONDS = 0.3
"""A build waits until no document was opened or edited for this long. Started at once, the
worker (a second interpreter reading and parsing the project, ~0.5 s for 600 files) ran
beside the first keystrokes after an open: on the 2,000-line benchmark file, with 2 cores,
they waited up to 6-7 ms instead of 3 (p95 of a session's 60 keys 2.7-3.1 ms, against 2.5-2.7
without it; at a lower priority, `SCHED_IDLE`, no better)."""
MAX_DEFERRAL_SECONDS = 5.0
"""...but no longer than this after the build was asked for, for someone who never pauses."""


def register(server: LayerlintServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(types.SHUTDOWN)(lambda ls, params: stop_building(ls))
    server.feature(types.EXIT)(lambda ls, params: stop_building(ls))


def stop_building(ls: LayerlintServer) -> None:
    """No more builds; the one running is stopped (the server is shutting down)."""
    state = ls.state.project
    state.serving = False
    state.wanted.clear()
    state.stale.clear()
    if state.deferred is not None:
        state.deferred.cancel()
        state.deferred = None
    worker = state.worker
    if worker is not None and worker.poll() is None:
        worker.kill()


def index_in_background(ls: LayerlintServer) -> None:
    """Make the analysis in this process read `ls`'s indexes (done by `layerlint serve`)."""
    ls.state.project.serving = True
    project_evidence.use_indexes_from(lambda target: latest_index(ls, target))


def latest_index(ls: LayerlintServer, target: Path) -> ProjectIndex | None:
    """The index of `target`'s project as it is now; asks for one when there is none."""
    state = ls.state.project
    root = state.roots.get(target.parent)
    if root is None:
        if target.parent not in state.failed:
            state.wanted.add(target.parent)
            _build_soon(ls)
        return None
    return state.indexes.get(root)


def did_save(ls: LayerlintServer, params: types.DidSaveTextDocumentParams) -> None:
    files_changed(ls, [params.text_document.uri])


def files_changed(ls: LayerlintServer, uris: Iterable[str]) -> None:
    """Files were saved, created or deleted: rebuild the indexes of the projects holding them."""
    state = ls.state.project
    for uri in uris:
        path = to_fs_path(uri)
        if not path or not path.endswith(INDEXED_SUFFIXES):
            continue
        folder = Path(path).parent
        state.failed.discard(folder)
        state.stale.update(root for root in state.indexes
                           if root == folder or root in folder.parents)
    _build_soon(ls)


def document_opened(ls: LayerlintServer, uri: str) -> None:
    """Start building the index of an opened file's project now, beside its first analysis."""
    path = to_fs_path(uri)
    if not path or not path.endswith(".py"):
        return  # a notebook is imported by no other file: its analysis reads no index
    folder = Path(path).resolve().parent
    state = ls.state.project
    if state.serving and folder not in state.roots and folder not in state.failed:
        state.wanted.add(folder)
        _build_soon(ls)


@contextlib.contextmanager
def document_activity(ls: LayerlintServer) -> Iterator[None]:
    """Around the handling of a document's open or edit: a build waits for a quiet moment
    after it ends (an analysis of a large file at open outlasts `QUIET_SECONDS`, and the edits
    sent meanwhile are read only after it)."""
    _note_activity(ls)
    try:
        yield
    finally:
        _note_activity(ls)


def _note_activity(ls: LayerlintServer) -> None:
    with contextlib.suppress(RuntimeError):  # not serving (a test calling a handler directly)
        ls.state.project.last_activity = asyncio.get_running_loop().time()


def start_delay(state: ProjectIndexState, now: float) -> float:
    """Seconds until a build asked for may start: until the documents were left alone for
    `QUIET_SECONDS`, at most `MAX_DEFERRAL_SECONDS` after it was first asked for (0: now)."""
    if state.asked_at is None:
        state.asked_at = now
    start = min(state.last_activity + QUIET_SECONDS, state.asked_at + MAX_DEFERRAL_SECONDS)
    return max(0.0, start - now)


def _build_soon(ls: LayerlintServer) -> None:
    """Start the next build at the next quiet moment (`start_delay`), in a worker thread that
    waits for the worker process; the event loop installs its index between two messages."""
    state = ls.state.project
    if not state.serving or state.building or not (state.wanted or state.stale):
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not serving (a test calling the analysis directly)
        return
    delay = start_delay(state, loop.time())
    if delay > 0:
        if state.deferred is None:
            state.deferred = loop.call_later(delay, _build_when_quiet, ls)
        return
    state.asked_at = None
    folder = state.wanted.pop() if state.wanted else state.stale.pop()
    known = [index for root, index in state.indexes.items()
             if root == folder or root in folder.parents]
    built: asyncio.Future[ProjectIndex | None] = loop.create_future()

    def build() -> None:
        index = build_elsewhere(folder, known, state)
        with contextlib.suppress(RuntimeError):  # the loop closed: the server has exited
            loop.call_soon_threadsafe(_settle, built, index)

    # A daemon thread: an exiting server does not wait for it (stop_building ends the process).
    threading.Thread(target=build, name="layerlint-index", daemon=True).start()
    state.building = loop.create_task(_install_when_built(ls, folder, built))


def _build_when_quiet(ls: LayerlintServer) -> None:
    ls.state.project.deferred = None
    _build_soon(ls)  # or later again, after the edits made meanwhile


def _settle(built: asyncio.Future[ProjectIndex | None], index: ProjectIndex | None) -> None:
    if not built.done():
        built.set_result(index)


async def _install_when_built(ls: LayerlintServer, folder: Path,
                              built: asyncio.Future[ProjectIndex | None]) -> None:
    state = ls.state.project
    try:
        index = await built
        state.wanted.discard(folder)  # asked for again by the analyses while it was built
        if index is None:
            state.failed.add(folder)
        else:
            _install(ls, state, folder, index)
    finally:
        state.building = None
    _build_soon(ls)  # what was asked for meanwhile


def build_elsewhere(folder: Path, known: list[ProjectIndex],
                    state: ProjectIndexState | None = None) -> ProjectIndex | None:
    """The index of `folder`'s project, built by the worker process (None if it failed or was
    stopped). The process is kept in `state.worker` while it runs."""
    package_parent = str(Path(layerlint.__file__).resolve().parents[1])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [package_parent, *filter(None, [environment.get("PYTHONPATH")])])
    try:
        with subprocess.Popen(WORKER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=environment) as worker:
            if state is not None:
                state.worker = worker
            try:
                output, errors = worker.communicate(pickle.dumps((folder, known)),
                                                    timeout=_BUILD_TIMEOUT)
            except subprocess.TimeoutExpired:
                worker.kill()
                raise
            finally:
                if state is not None:
                    state.worker = None
        if worker.returncode == 0:
            index = pickle.loads(output)
            if isinstance(index, ProjectIndex):
                return index
        if state is not None and not state.serving:
            return None  # stopped by stop_building
        logger.warning("layerlint: indexing the project of %s failed (exit %s): %s", folder,
                       worker.returncode, errors.decode(errors="replace")[-2000:])
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as error:
        logger.warning("layerlint: indexing the project of %s failed: %r", folder, error)
    return None


def _install(ls: LayerlintServer, state: ProjectIndexState, folder: Path,
             index: ProjectIndex) -> None:
    """Swap the new index in (on the event loop, between two messages); re-show what changed."""
    newly_served = state.roots.get(folder) != index.root
    previous = state.indexes.get(index.root)
    state.roots[folder] = index.root
    state.roots.setdefault(index.root, index.root)  # a rebuild after a save is asked by root
    state.indexes[index.root] = index
    if (newly_served and index.uses) or not index.same_findings_as(previous):
        state.generation += 1
        publish.refresh_changed(ls)
