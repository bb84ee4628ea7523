"""The LSP base protocol on its own: `Content-Length` framing of JSON-RPC messages.

Kept free of I/O so the benchmark client and the tests share one implementation: `encode`
turns a message into bytes for a server's stdin, `FrameDecoder` turns whatever arrived on its
stdout, in chunks of any size, back into messages.
"""

from __future__ import annotations

import json
from typing import Any

HEADER_SEPARATOR = b"\r\n\r\n"


class FramingError(ValueError):
    """The byte stream does not follow the base protocol (a missing or bad header)."""


def encode(message: dict[str, Any]) -> bytes:
    """One JSON-RPC message as header plus UTF-8 body; the length counts bytes, not characters."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def parse_content_length(header: bytes) -> int:
    """The body length from a header block (without the blank line); other fields are ignored."""
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError as error:
                raise FramingError(f"bad Content-Length: {value!r}") from error
    raise FramingError(f"header without Content-Length: {header!r}")


class FrameDecoder:
    """Accumulates bytes and yields each complete message once its whole body has arrived."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer.extend(data)
        messages = []
        while True:
            header_end = self._buffer.find(HEADER_SEPARATOR)
            if header_end < 0:
                return messages
            length = parse_content_length(bytes(self._buffer[:header_end]))
            body_start = header_end + len(HEADER_SEPARATOR)
            if len(self._buffer) < body_start + length:
                return messages
            body = bytes(self._buffer[body_start : body_start + length])
            del self._buffer[: body_start + length]
            messages.append(json.loads(body.decode("utf-8")))

    @property
    def pending_bytes(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buffer)
