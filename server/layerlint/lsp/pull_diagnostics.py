"""Pull diagnostics (`textDocument/diagnostic`, LSP 3.17) for clients that ask for them.

The client asks when it wants a document's diagnostics; the answer comes from the same cached
analysis the push path uses (`document_analysis.current_result`), so the two cannot disagree.
A notebook cell gets its own part of the notebook's analysis. The `resultId` is a digest of
the diagnostics, so an unchanged answer is sent as `unchanged`.
"""

from __future__ import annotations

try:  # hashlib's own blake2b; importing hashlib would load OpenSSL for its other digests (~4 MiB)
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

from lsprotocol import types

from layerlint.lsp import document_analysis, publish
from layerlint.lsp.session import LayerlintServer

OPTIONS = types.DiagnosticOptions(
    identifier="layerlint", inter_file_dependencies=False, workspace_diagnostics=False
)


def register(server: LayerlintServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, OPTIONS)(document_diagnostic)


def document_diagnostic(
    ls: LayerlintServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    result, _fresh = document_analysis.current_result(ls, document_analysis.owner_key(ls, uri))
    own = result.diagnostics.get(uri, []) if result is not None else []
    items = publish.with_extra_diagnostics(ls, uri, own)
    result_id = _digest(items)
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


def _digest(items: list[types.Diagnostic]) -> str:
    # attrs reprs list every field in a fixed order: a cheap, complete fingerprint.
    return blake2b(repr(items).encode(), digest_size=12).hexdigest()
