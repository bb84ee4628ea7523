"""Getting diagnostics to the client: pushed when it cannot pull, never both.

A client that declares `textDocument.diagnostic` pulls (see `pull_diagnostics.py`); every
other client gets `textDocument/publishDiagnostics` after each open and change, carrying the
version the diagnostics were computed for. A publish for an older version than the last one
sent for that URI is dropped, so stale results can never overwrite fresh ones.

`refresh_diagnostics(ls, uri)` is the hook for other features (the shape trace) whose own
diagnostics (`ls.state.diagnostic_sources`) changed without an edit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from lsprotocol import types

from layerlint.analysis.document_state import retiring_later
from layerlint.lsp import collection_pause, document_analysis, memory_release, wire
from layerlint.lsp.session import LayerlintServer

logger = logging.getLogger(__name__)
T = TypeVar("T")


def client_pulls(ls: LayerlintServer) -> bool:
    text_document = ls.client_capabilities.text_document
    return bool(text_document and text_document.diagnostic)


def with_extra_diagnostics(
    ls: LayerlintServer, uri: str, diagnostics: list[types.Diagnostic]
) -> list[types.Diagnostic]:
    extra = [
        item for source in ls.state.diagnostic_sources for item in _guarded(ls, source, uri) or []
    ]
    return [*diagnostics, *extra] if extra else diagnostics


def _notify_listeners(ls: LayerlintServer, uris: Iterable[str]) -> None:
    for uri in uris:
        for listener in ls.state.change_listeners:
            _guarded(ls, listener, uri)


def _guarded(ls: LayerlintServer, hook: Callable[[str], T], uri: str) -> T | None:
    """Run another feature's hook; its bug must not cost the user the static diagnostics."""
    try:
        return hook(uri)
    except Exception as error:
        logger.exception("layerlint hook %r failed for %s", hook, uri)
        ls.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Error,
                message=f"layerlint: hook {getattr(hook, '__qualname__', hook)} failed "
                f"for {uri}: {error!r}",
            )
        )
        return None


def document_opened(ls: LayerlintServer, key: str, opened_uris: Iterable[str]) -> None:
    """After an open: nothing from an earlier life of these URIs may hold back the new one."""
    opened_uris = list(opened_uris)
    for uri in opened_uris:
        ls.state.published_versions.pop(uri, None)
    document_analysis.forget(ls, key)
    document_changed(ls, key, opened_uris)


def document_changed(ls: LayerlintServer, key: str, changed_uris: Iterable[str]) -> None:
    """After an open or edit: `key` is the document, or the notebook whose cells changed. The
    garbage collector waits until the diagnostics are out (`collection_pause`)."""
    with collection_pause.paused():
        _notify_listeners(ls, changed_uris)
        if not client_pulls(ls):
            with retiring_later():  # the replaced blocks are let go once the diagnostics are out
                publish_document(ls, key)
            memory_release.after_publish()  # what the analysis freed, now and then
            return
    if ls.workspace.get_notebook_document(notebook_uri=key) is not None:
        # An edit in one cell can change the diagnostics of other cells, which the client
        # does not re-pull by itself.
        _request_refresh(ls)


def document_closed(ls: LayerlintServer, key: str, closed_uris: Iterable[str]) -> None:
    closed_uris = list(closed_uris)
    _notify_listeners(ls, closed_uris)
    document_analysis.forget_closed(ls, key)
    clear(ls, closed_uris)


def publish_document(ls: LayerlintServer, key: str) -> None:
    """Push the current diagnostics of a document, or of every cell of a notebook."""
    result, fresh = document_analysis.current_result(ls, key)
    if result is None or not fresh:
        return  # nothing to show, or the analysis crashed: the client keeps the last ones
    for uri, diagnostics in result.diagnostics.items():
        _publish(ls, uri, result.versions.get(uri), with_extra_diagnostics(ls, uri, diagnostics))


def clear(ls: LayerlintServer, uris: Iterable[str]) -> None:
    """Remove pushed diagnostics of closed documents (a pulling client drops its own)."""
    for uri in uris:
        ls.state.published_versions.pop(uri, None)
        wire.forget(ls, uri)
        if not client_pulls(ls):
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )


def refresh_all(ls: LayerlintServer) -> None:
    """Re-show every open document's diagnostics (after a settings change)."""
    if client_pulls(ls):
        _request_refresh(ls)
        return
    for key in open_keys(ls):
        publish_document(ls, key)


def refresh_changed(ls: LayerlintServer) -> None:
    """Analyse every open document again (what it depends on outside its text changed: the
    project index) and re-show those whose diagnostics changed."""
    changed = False
    for key in open_keys(ls):
        before = ls.state.results.get(key)
        result, fresh = document_analysis.current_result(ls, key)
        if result is None or not fresh or (before is not None
                                           and before.diagnostics == result.diagnostics):
            continue
        changed = True
        if not client_pulls(ls):
            for uri, diagnostics in result.diagnostics.items():
                _publish(ls, uri, result.versions.get(uri),
                         with_extra_diagnostics(ls, uri, diagnostics))
    if changed and client_pulls(ls):
        _request_refresh(ls)


def refresh_diagnostics(ls: LayerlintServer, uri: str) -> None:
    """Re-show one document's diagnostics after `ls.state.diagnostic_sources` changed."""
    if client_pulls(ls):
        _request_refresh(ls)
    else:
        publish_document(ls, document_analysis.owner_key(ls, uri))


def open_keys(ls: LayerlintServer) -> list[str]:
    """Every open notebook, and every open text document that is not a notebook cell."""
    notebooks = [notebook.uri for notebook in ls.workspace.notebook_documents.values()]
    documents = [
        document.uri
        for document in ls.workspace.text_documents.values()
        if ls.workspace.get_notebook_document(cell_uri=document.uri) is None
    ]
    return notebooks + documents


def _publish(
    ls: LayerlintServer, uri: str, version: int | None, diagnostics: list[types.Diagnostic]
) -> None:
    last = ls.state.published_versions.get(uri)
    if version is not None and last is not None and version < last:
        return
    ls.state.published_versions[uri] = version
    wire.publish_diagnostics(ls, uri, version, diagnostics)


def _request_refresh(ls: LayerlintServer) -> None:
    workspace = ls.client_capabilities.workspace
    diagnostics = workspace.diagnostics if workspace else None
    if diagnostics and diagnostics.refresh_support:
        ls.workspace_diagnostic_refresh(None)
