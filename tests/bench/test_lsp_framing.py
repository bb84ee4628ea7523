"""Content-Length framing: what `encode` writes, `FrameDecoder` reads back, however it is split."""

import json

import pytest

from bench.lsp_framing import FrameDecoder, FramingError, encode, parse_content_length

MESSAGE = {
    "jsonrpc": "2.0",
    "method": "textDocument/didChange",
    "params": {"contentChanges": [{"text": "x = self.bn(x)  # Größe ✓"}], "version": 7},
}


def test_round_trip_in_one_chunk():
    assert FrameDecoder().feed(encode(MESSAGE)) == [MESSAGE]


def test_content_length_counts_utf8_bytes_not_characters():
    frame = encode(MESSAGE)
    header, _, body = frame.partition(b"\r\n\r\n")
    assert parse_content_length(header) == len(body)
    assert len(body) > len(body.decode("utf-8"))  # the message has multi-byte characters
    assert json.loads(body) == MESSAGE


def test_byte_by_byte_delivery_yields_the_message_once_complete():
    decoder = FrameDecoder()
    frame = encode(MESSAGE)
    received = []
    for index in range(len(frame)):
        received.extend(decoder.feed(frame[index : index + 1]))
        if index < len(frame) - 1:
            assert received == []
    assert received == [MESSAGE]
    assert decoder.pending_bytes == 0


def test_several_messages_in_one_chunk_and_a_partial_tail():
    second = {"jsonrpc": "2.0", "id": 3, "result": None}
    frames = encode(MESSAGE) + encode(second) + encode(MESSAGE)
    decoder = FrameDecoder()
    assert decoder.feed(frames[:-5]) == [MESSAGE, second]
    assert decoder.pending_bytes > 0
    assert decoder.feed(frames[-5:]) == [MESSAGE]


def test_other_header_fields_are_ignored():
    body = json.dumps(MESSAGE).encode()
    frame = (
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
        b"content-length: %d\r\n\r\n" % len(body) + body
    )
    assert FrameDecoder().feed(frame) == [MESSAGE]


def test_a_header_without_length_is_an_error():
    with pytest.raises(FramingError):
        FrameDecoder().feed(b"Content-Type: text/plain\r\n\r\n{}")
