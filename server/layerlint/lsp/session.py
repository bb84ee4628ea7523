"""The language server object and the per-connection state its feature modules share.

pygls passes this object to every handler as `ls`. Everything that outlives one message
lives here: the last analysis result of each open document or notebook, which versions were
published, the editor's settings, and two hooks other feature modules (the shape trace) use
to add diagnostics and to hear about edits without owning the sync handlers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from layerlint import __version__
from layerlint.config import Settings

DiagnosticSource = Callable[[str], list[types.Diagnostic]]
"""Extra diagnostics for a URI (for example LL900 from a shape trace), merged on publish."""

ChangeListener = Callable[[str], None]
"""Called with a document's (or notebook cell's) URI after it changed or closed."""


@dataclass
class DocumentResult:
    """One analysis of a text document or of a whole notebook."""

    fingerprint: tuple[Any, ...]
    """What the result was computed from: (document or notebook version, settings generation)."""
    diagnostics: dict[str, list[types.Diagnostic]]
    """By URI: the document's own, or one entry per code cell of a notebook."""
    versions: dict[str, int | None]
    """The version of each URI above when it was analysed, for publishDiagnostics."""


@dataclass
class FolderSettings:
    """`[tool.layerlint]` of the pyproject.toml that governs one folder."""

    pyproject: Path | None
    mtime: float | None
    settings: Settings


@dataclass
class SessionState:
    results: dict[str, DocumentResult] = field(default_factory=dict)
    """Keyed by the text document's URI, or the notebook's URI for all its cells."""
    published_versions: dict[str, int | None] = field(default_factory=dict)
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


class LayerlintProtocol(LanguageServerProtocol):
    """pygls' protocol, plus an error response to a request whose parameters do not fit the
    method's types: pygls 2 logs such a request and drops it, which leaves the client waiting
    for an answer that never comes."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if data.get("method") and data.get("id") is not None:
                self._send_response(data["id"], error=error.to_response_error())
            raise


class LayerlintServer(LanguageServer):
    """pygls' server plus `state`; features are plain functions registered on it."""

    def __init__(self, notebook_document_sync: types.NotebookDocumentSyncOptions | None) -> None:
        super().__init__(
            name="layerlint",
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebook_document_sync,
            protocol_cls=LayerlintProtocol,
        )
        self.state = SessionState()
