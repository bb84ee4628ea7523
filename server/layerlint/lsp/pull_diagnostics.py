"""Pull diagnostics (`textDocument/diagnostic`, LSP 3.17) for clients that ask for them.

The client asks when it wants a document's diagnostics; the answer comes from the same cached
analysis the push path uses (`document_analysis.current_result`), so the two cannot disagree.
A notebook cell gets its own part of the notebook's analysis. The `resultId` is a digest of
the diagnostics, so an unchanged answer is sent as `unchanged`.
"""

from __future__ import annotations

import hashlib
import json

from lsprotocol import types
from lsprotocol.converters import get_converter

from layerlint.lsp import document_analysis, publish
from layerlint.lsp.session import LayerlintServer

_CONVERTER = get_converter()

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
    encoded = json.dumps(_CONVERTER.unstructure(items), sort_keys=True).encode()
    return hashlib.blake2b(encoded, digest_size=12).hexdigest()
