"""`textDocument/publishDiagnostics` written with each diagnostic converted to JSON once.

pygls turns a notification into JSON data with cattrs on every send, walking every
diagnostic's attrs objects again, then encodes it all with `json.dumps`; for a keystroke on a
file with a few findings that was ~0.5 ms of the edit-to-diagnostics time (on a 10,000-line
file with ~60 findings, ~1 ms of encoding alone), most of it on diagnostics that did not
change (the document analysis reuses their `Diagnostic` objects between versions). Here the
JSON text of a `Diagnostic` object (the same converter's data, encoded as `json.dumps` encodes
it inside the message) is kept, per URI, as long as the object is published again, and the
message is the encoded notification with those texts in its empty diagnostics list, framed as
pygls' `_send_data` frames it: the bytes on the wire are those pygls would write
(`tests/lsp/test_wire.py`). Diagnostic objects are never changed once built (the analysis
builds new ones), which is what makes keeping their text sound.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from layerlint.lsp.session import LayerlintServer

logger = logging.getLogger(__name__)
_writing: set[asyncio.Future[Any]] = set()
"""Writes of an asynchronous transport still running (kept until done)."""
_EMPTY_LIST = '"diagnostics": []'
"""The diagnostics of the encoded notification; no JSON string holds it (quotes in strings are
escaped)."""


def publish_diagnostics(
    ls: LayerlintServer, uri: str, version: int | None, diagnostics: list[types.Diagnostic]
) -> None:
    """Send the diagnostics of `uri` (as `ls.text_document_publish_diagnostics` would)."""
    protocol = ls.protocol
    converter = protocol._converter  # the converter pygls unstructures every message with
    known = ls.state.wire_data.get(uri, {})
    texts: list[str] = []
    kept: dict[int, tuple[types.Diagnostic, str]] = {}
    for diagnostic in diagnostics:
        entry = known.get(id(diagnostic))
        if entry is None or entry[0] is not diagnostic:
            data = converter.unstructure(diagnostic, types.Diagnostic)
            entry = (diagnostic, json.dumps(data, default=protocol._serialize_message))
        kept[id(diagnostic)] = entry
        texts.append(entry[1])
    ls.state.wire_data[uri] = kept
    params = types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version)
    message = converter.unstructure(types.PublishDiagnosticsNotification(params=params))
    empty = json.dumps(message, default=protocol._serialize_message)
    _send_body(protocol, empty.replace(_EMPTY_LIST, f'"diagnostics": [{", ".join(texts)}]', 1))


def _send_body(protocol: Any, body: str) -> None:
    """pygls' `JsonRpcProtocol._send_data` for a message encoded already."""
    if protocol.writer is None:
        logger.error("Unable to send data, no available transport!")
        return
    try:
        logger.info("Sending data: %s", body)
        if protocol._include_headers:
            header = (f"Content-Length: {len(body)}\r\n"
                      f"Content-Type: {protocol.CONTENT_TYPE}; charset={protocol.CHARSET}\r\n\r\n")
            body = header + body
        written = protocol.writer.write(body.encode(protocol.CHARSET))
        if inspect.isawaitable(written):  # an asynchronous transport
            task = asyncio.ensure_future(written)
            _writing.add(task)
            task.add_done_callback(_writing.discard)
    except BrokenPipeError:
        logger.exception("Error sending data. BrokenPipeError", exc_info=True)
        raise
    except Exception as error:
        logger.exception("Error sending data", exc_info=True)
        protocol._server._report_server_error(error, JsonRpcInternalError)


def forget(ls: LayerlintServer, uri: str) -> None:
    """Drop what was kept for a URI (closed)."""
    ls.state.wire_data.pop(uri, None)


__all__ = ["forget", "publish_diagnostics"]
