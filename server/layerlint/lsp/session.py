"""The language server object and the per-connection state its feature modules share.

pygls passes this object to every handler as `ls`. Everything that outlives one message
lives here: the last analysis result of each open document or notebook, which versions were
published, the editor's settings, the project indexes, the shape trace's results and runs, the
requests a client can cancel, and two hooks other feature modules (the shape trace) use to add
diagnostics and to hear about edits without owning the sync handlers themselves.
"""

from __future__ import annotations

import asyncio
import contextvars
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import FeatureNotificationError, JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from layerlint import __version__
from layerlint.analysis.project_evidence import ProjectIndex
from layerlint.config import Settings
from layerlint.lsp.text_splice import apply_change
from layerlint.trace import staleness
from layerlint.trace.results import TraceResult

DiagnosticSource = Callable[[str], list[types.Diagnostic]]
"""Extra diagnostics for a URI (for example LL900 from a shape trace), merged on publish."""

ChangeListener = Callable[[str], None]
"""Called with a document's (or notebook cell's) URI after it changed or closed."""

RequestId = int | str
"""A JSON-RPC request id."""


@dataclass
class DocumentResult:
    """One analysis of a text document or of a whole notebook."""

    fingerprint: tuple[Any, ...]
    """What the result was computed from: (document or notebook version, settings generation)."""
    diagnostics: dict[str, list[types.Diagnostic]]
    """By URI: the document's own, or one entry per code cell of a notebook."""
    versions: dict[str, int | None]
    """The version of each URI above when it was analysed, for publishDiagnostics."""
    built: dict[int, tuple[Any, tuple[tuple[tuple[int, str], ...], types.Diagnostic]]] = field(
        default_factory=dict)
    """A text document's findings, by identity -> (the finding, (the lines their placement
    read, their diagnostic)), so that the next version reuses the diagnostics of findings that
    did not change."""


@dataclass
class FolderSettings:
    """`[tool.layerlint]` of the pyproject.toml that governs one folder."""

    pyproject: Path | None
    mtime: float | None
    settings: Settings


@dataclass
class StoredTrace:
    """The last shape trace of one document, and where its lines are in the current text."""

    result: TraceResult
    anchor: staleness.Anchor
    """The traced lines' text, to find them again after edits (`trace/staleness.py`)."""
    path: str
    checked_version: int | None = None
    """The document version `line_map` was computed for."""
    line_map: staleness.LineMap | None = None


@dataclass
class TraceState:
    traces: dict[str, StoredTrace] = field(default_factory=dict)
    """By document URI: the trace whose results are shown there."""
    running: dict[str, threading.Event] = field(default_factory=dict)
    """By document URI: the stop signal of the trace now running on it (one per document)."""
    lenses_asked_early: set[str] = field(default_factory=set)
    """URIs whose code lenses were asked for before the client opened them (answered with
    none); the client is asked to ask again when they open."""


@dataclass
class ProjectIndexState:
    """The project indexes the analysis reads (`lsp/project_index.py`), built in the background."""

    roots: dict[Path, Path] = field(default_factory=dict)
    """Folder of an analysed file -> the root of its project, once an index of it arrived."""
    indexes: dict[Path, ProjectIndex] = field(default_factory=dict)
    """By project root: the latest index built."""
    wanted: set[Path] = field(default_factory=set)
    """Folders whose files were analysed without an index of their project yet."""
    stale: set[Path] = field(default_factory=set)
    """Roots where a file was saved, created or deleted since their index was built."""
    failed: set[Path] = field(default_factory=set)
    """Folders whose build failed: not tried again until a file changes."""
    serving: bool = False
    """Whether the analysis reads these indexes (`layerlint serve`; not in-process tests)."""
    building: asyncio.Task[None] | None = None
    """The build in progress (one at a time)."""
    worker: subprocess.Popen[bytes] | None = None
    """The process running that build, stopped when the server shuts down."""
    generation: int = 0
    """Bumped when an index arrives that changes what analyses find."""
    last_activity: float = float("-inf")
    """Event-loop time of the last open or edit of a document (`project_index.QUIET_SECONDS`)."""
    asked_at: float | None = None
    """When the build now waiting for a quiet moment was asked for."""
    deferred: asyncio.TimerHandle | None = None
    """The timer that starts that build."""


@dataclass
class SessionState:
    results: dict[str, DocumentResult] = field(default_factory=dict)
    """Keyed by the text document's URI, or the notebook's URI for all its cells."""
    published_versions: dict[str, int | None] = field(default_factory=dict)
    wire_data: dict[str, dict[int, tuple[types.Diagnostic, str]]] = field(
        default_factory=dict)
    """By URI: the JSON text of the diagnostics last published there (`lsp/wire.py`)."""
    crash_reported: set[str] = field(default_factory=set)
    """Documents whose analysis crash was already shown to the user (once per document)."""
    editor_settings: dict[str, Any] = field(default_factory=dict)
    """The editor's valid `layerlint` settings, as `Settings` field names and typed values."""
    settings_warnings_shown: set[str] = field(default_factory=set)
    """Settings problems already shown with `window/showMessage` (each once)."""
    settings_generation: int = 0
    folder_settings: dict[Path, FolderSettings] = field(default_factory=dict)
    diagnostic_sources: list[DiagnosticSource] = field(default_factory=list)
    change_listeners: list[ChangeListener] = field(default_factory=list)
    trace: TraceState = field(default_factory=TraceState)
    project: ProjectIndexState = field(default_factory=ProjectIndexState)
    cancel_listeners: dict[RequestId, Callable[[], None]] = field(default_factory=dict)
    """Requests whose work runs outside the handler's own task (the shape trace's kernel run):
    `$/cancelRequest` with the id calls the function. The handler removes its entry when done."""


class LayerlintProtocol(LanguageServerProtocol):
    """pygls' protocol, plus an error response to a request whose parameters do not fit the
    method's types: pygls 2 logs such a request and drops it, which leaves the client waiting
    for an answer that never comes; and `$/cancelRequest` passed on to `cancel_listeners`.

    pygls 2 answers `$/cancelRequest` itself (a custom handler is not possible) by cancelling
    the request's future: for a coroutine feature handler that is its task, but a command runs
    in a task of its own under the built-in `workspace/executeCommand` handler, which the
    cancel never reaches. `handle_message`, pygls' entry point for every incoming message, is
    where a command can hear it; pygls still answers the request with RequestCancelled.
    And `didChange` applies each change with `text_splice` (the same text as pygls', faster),
    dispatched directly (`_did_change_now`)."""

    def __init__(self, server: LayerlintServer, converter: Any) -> None:
        super().__init__(server, converter)
        self.session = server.state

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if data.get("method") and data.get("id") is not None:
                self._send_response(data["id"], error=error.to_response_error())
            raise

    def handle_message(self, message: Any) -> None:
        if (type(message) is types.DidChangeTextDocumentNotification and not self._shutdown
                and message.jsonrpc == JsonRPCProtocol.VERSION):
            contextvars.copy_context().run(self._did_change_now, message.params)
            return
        if isinstance(message, types.CancelNotification):
            listener = self.session.cancel_listeners.pop(message.params.id, None)
            if listener is not None:
                listener()
        super().handle_message(message)

    def _did_change_now(self, params: types.DidChangeTextDocumentParams) -> None:
        """A `didChange`, handled as pygls handles it (the built-in handler's changes, then
        the server's feature; an error reported as pygls reports a notification handler's),
        but called directly: pygls' dispatch of a notification (checks against each message
        kind's protocol, two generated ids, futures and callbacks for the built-in handler and
        for the feature it yields to) cost ~0.1 ms of every keystroke's edit-to-diagnostics
        time."""
        try:
            self._apply_changes(params)
            if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
                user_handler(params)
        except Exception:
            error = JsonRpcInternalError.of(sys.exc_info())
            self._server._report_server_error(error, FeatureNotificationError)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """pygls' own handler (what a `didChange` pygls dispatches runs), with each change
        applied by `text_splice`."""
        self._apply_changes(params)
        if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield user_handler, (params,), None

    def _apply_changes(self, params: types.DidChangeTextDocumentParams) -> None:
        """pygls' built-in change of its copy of the document, with each change applied by
        `text_splice` (same text, without pygls' per-line loop over the whole document)."""
        documents = self.workspace.text_documents
        for change in params.content_changes:
            document = documents.get(unquote(params.text_document.uri))
            if document is None:  # not open: what pygls does (it raises)
                self.workspace.update_text_document(params.text_document, change)
                continue
            apply_change(document, change)
            document.version = params.text_document.version


class LayerlintServer(LanguageServer):
    """pygls' server plus `state`; features are plain functions registered on it."""

    def __init__(self, notebook_document_sync: types.NotebookDocumentSyncOptions | None) -> None:
        self.state = SessionState()  # before the protocol, which keeps a reference to it
        super().__init__(
            name="layerlint",
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebook_document_sync,
            protocol_cls=LayerlintProtocol,
        )
