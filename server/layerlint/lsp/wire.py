"""`textDocument/publishDiagnostics` written with each diagnostic converted to JSON data once.

pygls turns a notification into JSON data with cattrs on every send, walking every
diagnostic's attrs objects again; for a keystroke on a file with a few findings that was
~0.5 ms of the edit-to-diagnostics time, most of it on diagnostics that did not change (the
document analysis reuses their `Diagnostic` objects between versions). Here the JSON data of a
`Diagnostic` object is kept, per URI, as long as the object is published again, and the
notification is assembled from the same converter's output, so the bytes on the wire are those
pygls would write. Diagnostic objects are never changed once built (the analysis builds new
ones), which is what makes keeping their data sound.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from layerlint.lsp.session import LayerlintServer


def publish_diagnostics(
    ls: LayerlintServer, uri: str, version: int | None, diagnostics: list[types.Diagnostic]
) -> None:
    """Send the diagnostics of `uri` (as `ls.text_document_publish_diagnostics` would)."""
    protocol = ls.protocol
    converter = protocol._converter  # the converter pygls unstructures every message with
    known = ls.state.wire_data.get(uri, {})
    data: list[dict[str, Any]] = []
    kept: dict[int, tuple[types.Diagnostic, dict[str, Any]]] = {}
    for diagnostic in diagnostics:
        entry = known.get(id(diagnostic))
        if entry is None or entry[0] is not diagnostic:
            entry = (diagnostic, converter.unstructure(diagnostic, types.Diagnostic))
        kept[id(diagnostic)] = entry
        data.append(entry[1])
    ls.state.wire_data[uri] = kept
    params = types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version)
    message = converter.unstructure(types.PublishDiagnosticsNotification(params=params))
    message["params"]["diagnostics"] = data
    protocol._send_data(message)


def forget(ls: LayerlintServer, uri: str) -> None:
    """Drop what was kept for a URI (closed)."""
    ls.state.wire_data.pop(uri, None)


__all__ = ["forget", "publish_diagnostics"]
