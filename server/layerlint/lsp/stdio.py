"""The client's messages read from stdin by the event loop itself, when stdin is a pipe or socket.

pygls' stdio reader hands every `readline` and `read` to a worker thread (`run_in_executor`), so
one message costs four round trips between that thread and the event loop (the Content-Length
line, the Content-Type line, the blank line, the body): each a thread wake-up, a hand-over of
the interpreter lock and a wake-up of the loop. Measured on the 2,000-line benchmark file, that
was ~1 ms (p50) from the client writing a `didChange` to its handler starting: a fifth of the
edit-to-diagnostics time. Here asyncio's own pipe transport (`loop.connect_read_pipe`) reads
stdin: the loop wakes when bytes arrive, and the rest of a message already read is taken from
the buffer without waiting. pygls' message loop (`pygls.io_.run_async`) reads from it, so the
framing, the parsing and the dispatch are pygls' as before; only where the bytes come from
changes.

The transport makes stdin's file description non-blocking, so it is used only where that is
harmless: on a POSIX system, for a pipe or a socket that is not also stdout (a shared socket
would make the writes non-blocking too). Anything else (a terminal, a file, Windows) keeps
pygls' threaded reader.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdoutWriter, run_async

from layerlint.lsp.session import LayerlintServer

logger = logging.getLogger(__name__)
READ_LIMIT = 1 << 20
"""Bytes the reader buffers before pausing the pipe (a header line may be up to this long)."""


def serve(server: LayerlintServer, stdin: BinaryIO | None = None,
          stdout: BinaryIO | None = None) -> None:
    """Run the server over stdio until the client exits or closes stdin."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    if not readable_by_event_loop(stdin, stdout):
        server.start_io(stdin, stdout)
        return
    server._stop_event = stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_read_messages(server, stdin, stop_event))
    except BrokenPipeError:
        logger.error("Connection to the client is lost! Shutting down the server.")
    except asyncio.IncompleteReadError:
        logger.error("The client closed stdin in the middle of a message. Shutting down.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


def readable_by_event_loop(stdin: BinaryIO, stdout: BinaryIO) -> bool:
    """Whether stdin can be read by asyncio's pipe transport without side effects."""
    if os.name != "posix" or sys.platform in ("emscripten", "wasi"):
        return False
    try:
        reading, writing = stdin.fileno(), stdout.fileno()
        mode = os.fstat(reading).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            return False
        return not os.path.sameopenfile(reading, writing)
    except (OSError, ValueError, AttributeError):  # no descriptor behind the stream
        return False


async def _read_messages(server: LayerlintServer, stdin: BinaryIO,
                         stop_event: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=READ_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    await run_async(stop_event=stop_event, reader=reader, protocol=server.protocol,
                    logger=logger, error_handler=server.report_server_error)


__all__ = ["readable_by_event_loop", "serve"]
