"""stdin read by the event loop (`lsp/stdio.py`): which streams it takes, and messages that
arrive in pieces, several per write, larger than the reader's buffer, or cut off by a closed
stdin; a stdin it does not take (a file) is still served by pygls' reader."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from raw_server import SERVER_COMMAND, RawServer, raw_session

from bench.lsp_framing import encode
from layerlint.lsp import stdio

MODEL = ("import keras\n\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
         "        self.bn = keras.layers.BatchNormalization()\n\n    def call(self, x):\n"
         "        return self.bn(self.bn(x))\n")


def test_pipes_and_sockets_are_read_by_the_event_loop(tmp_path: Path) -> None:
    reading, writing = os.pipe()
    left, right = socket.socketpair()
    out = (tmp_path / "out").open("wb")
    try:
        with open(reading, "rb", closefd=False) as stdin:
            assert stdio.readable_by_event_loop(stdin, out)
        with open(left.fileno(), "rb", closefd=False) as stdin:
            assert stdio.readable_by_event_loop(stdin, out)
    finally:
        out.close()
        os.close(reading)
        os.close(writing)
        left.close()
        right.close()


def test_files_and_a_socket_shared_with_stdout_keep_the_threaded_reader(tmp_path: Path) -> None:
    source = tmp_path / "messages"
    source.write_bytes(b"")
    left, right = socket.socketpair()
    try:
        with source.open("rb") as stdin, (tmp_path / "out").open("wb") as out:
            assert not stdio.readable_by_event_loop(stdin, out)
        # One socket as both stdin and stdout: a non-blocking read end would make writes
        # non-blocking too.
        duplicate = os.dup(left.fileno())
        with open(left.fileno(), "rb", closefd=False) as stdin, open(duplicate, "wb") as out:
            assert not stdio.readable_by_event_loop(stdin, out)
    finally:
        left.close()
        right.close()


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with raw_session(tmp_path) as client:
        yield client


def _open_message(path: Path, text: str) -> bytes:
    return encode({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1,
                         "text": text}}})


async def _codes_after_writing(server: RawServer, path: Path, pieces: list[bytes]) -> list[str]:
    """Write the pieces with pauses between them; the codes of the diagnostics of `path`."""
    for piece in pieces:
        server.write_raw(piece)
        await server._drain()
        await asyncio.sleep(0.02)
    publish = await server.wait_for_diagnostics(path.as_uri(), 1, 0, 60)
    assert publish is not None
    return [item["code"] for item in publish.diagnostics]


async def test_a_message_written_in_pieces_is_read_whole(server: RawServer, tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    message = _open_message(path, MODEL)
    header_end = message.index(b"\r\n\r\n")
    pieces = [message[:5], message[5:header_end + 2], message[header_end + 2:header_end + 30],
              message[header_end + 30:]]
    assert "LL101" in await _codes_after_writing(server, path, pieces)


async def test_messages_in_one_write_are_all_handled(server: RawServer, tmp_path: Path) -> None:
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    both = _open_message(first, MODEL) + _open_message(second, MODEL)
    assert "LL101" in await _codes_after_writing(server, first, [both])
    assert "LL101" in await _codes_after_writing(server, second, [])


async def test_a_message_larger_than_the_read_buffer(server: RawServer, tmp_path: Path) -> None:
    filler = "# " + "x" * 98 + "\n"
    text = MODEL + filler * (2 * stdio.READ_LIMIT // len(filler))
    assert len(text) > 2 * stdio.READ_LIMIT
    path = tmp_path / "large.py"
    assert "LL101" in await _codes_after_writing(server, path, [_open_message(path, text)])


async def test_stdin_closed_in_the_middle_of_a_message_ends_the_server(tmp_path: Path) -> None:
    client = await RawServer.launch(tmp_path / "server.log")
    await client.start_session(tmp_path)
    client.write_raw(b"Content-Length: 500\r\n\r\n{\"jsonrpc\": ")
    await client._drain()
    assert client.process.stdin is not None
    client.process.stdin.close()
    assert await asyncio.wait_for(client.process.wait(), 30) == 0
    assert "closed stdin in the middle of a message" in (tmp_path / "server.log").read_text()


def test_stdin_from_a_file_is_served_by_pygls_reader(tmp_path: Path) -> None:
    messages = tmp_path / "messages"
    messages.write_bytes(
        encode({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": None, "capabilities": {}}})
        + encode({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
        + encode({"jsonrpc": "2.0", "method": "exit", "params": None}))
    with messages.open("rb") as stdin:
        done = subprocess.run(SERVER_COMMAND, stdin=stdin, capture_output=True, timeout=60,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    bodies = [json.loads(part[part.index(b"{"):]) for part in
              done.stdout.split(b"Content-Length: ")[1:]]
    assert [body.get("id") for body in bodies if "id" in body] == [1, 2]
    assert bodies[0]["result"]["serverInfo"]["name"] == "layerlint"
    assert done.returncode == 0, done.stderr.decode()[-2000:]

