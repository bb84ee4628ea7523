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
from collections.abc import Callable
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
            encoded = diagnostic_json(diagnostic, protocol._serialize_message)
            if encoded is None:
                data = converter.unstructure(diagnostic, types.Diagnostic)
                encoded = json.dumps(data, default=protocol._serialize_message)
            entry = (diagnostic, encoded)
        kept[id(diagnostic)] = entry
        texts.append(entry[1])
    ls.state.wire_data[uri] = kept
    params = types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version)
    message = converter.unstructure(types.PublishDiagnosticsNotification(params=params))
    empty = json.dumps(message, default=protocol._serialize_message)
    _send_body(protocol, empty.replace(_EMPTY_LIST, f'"diagnostics": [{", ".join(texts)}]', 1))


def diagnostic_json(diagnostic: types.Diagnostic, default: Callable[[Any], Any]) -> str | None:
    """The JSON text of a `Diagnostic`, as pygls' converter unstructures it and `json.dumps`
    encodes it (`default` for what JSON has no type for), written field by field: a third of
    the time (a diagnostic's text is ~1 KiB: its message, related places and fix data; a
    paste or deletion moves and re-encodes every diagnostic below it). None for a diagnostic
    with a field whose unstructured form this does not write (the converter's then)."""
    if type(diagnostic) is not types.Diagnostic:
        return None
    code, tags, severity = diagnostic.code, diagnostic.tags, diagnostic.severity
    description, related = diagnostic.code_description, diagnostic.related_information
    parts = ['{"range": ', _range_json(diagnostic.range), ', "message": ',
             _string(diagnostic.message)]
    if severity is not None:
        parts.append(f', "severity": {int(severity)}')
    if code is not None:
        if type(code) is str:
            parts.append(f', "code": {_string(code)}')
        elif type(code) is int:
            parts.append(f', "code": {code}')
        else:
            return None
    if description is not None:
        parts.append(f', "codeDescription": {{"href": {_string(description.href)}}}')
    if diagnostic.source is not None:
        parts.append(f', "source": {_string(diagnostic.source)}')
    if tags is not None:
        parts.append(f', "tags": [{", ".join(str(int(tag)) for tag in tags)}]')
    if related is not None:
        items = [f'{{"location": {{"uri": {_string(item.location.uri)}, "range": '
                 f'{_range_json(item.location.range)}}}, "message": {_string(item.message)}}}'
                 for item in related]
        parts.append(f', "relatedInformation": [{", ".join(items)}]')
    if diagnostic.data is not None:
        parts.append(f', "data": {json.dumps(diagnostic.data, default=default)}')
    parts.append("}")
    return "".join(parts)


def _range_json(range_: types.Range) -> str:
    start, end = range_.start, range_.end
    return (f'{{"start": {{"line": {start.line}, "character": {start.character}}}, '
            f'"end": {{"line": {end.line}, "character": {end.character}}}}}')


_string = json.encoder.encode_basestring_ascii
"""A string as `json.dumps` writes it (`ensure_ascii`, its default)."""


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
