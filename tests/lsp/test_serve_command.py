"""`layerlint serve`'s command line: options, and a TCP session."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys

import pytest

from layerlint.commands import serve


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_to_stdio() -> None:
    args = parse()
    assert args.tcp is None and args.log_level == "WARNING"
    assert parse("--stdio").stdio


@pytest.mark.parametrize(
    ("value", "address"),
    [("127.0.0.1:2087", ("127.0.0.1", 2087)), (":9000", ("127.0.0.1", 9000))],
)
def test_tcp_address(value: str, address: tuple[str, int]) -> None:
    assert serve._parse_address(value) == address


def test_bad_tcp_address_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        serve._parse_address("localhost")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


async def read_message(reader: asyncio.StreamReader) -> dict[str, object]:
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(await reader.readexactly(length))


async def test_tcp_session_answers_initialize() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "layerlint", "serve", "--tcp", f"127.0.0.1:{port}"]
    )
    try:
        for _ in range(200):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the server did not listen")
        writer.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                            "params": {"capabilities": {}, "processId": None}}))
        await writer.drain()
        answer = await asyncio.wait_for(read_message(reader), 20)
        assert answer["id"] == 1
        assert answer["result"]["serverInfo"]["name"] == "layerlint"  # type: ignore[index]
        writer.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
