"""`layerlint serve`: run the language server over stdio (default) or TCP."""

from __future__ import annotations

import argparse
import sys

HELP = "Run the layerlint language server (LSP over stdio, or TCP with --tcp HOST:PORT)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help="listen on a TCP socket instead of stdio, e.g. 127.0.0.1:2087",
    )
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="use stdio (the default; accepted because editor clients pass it)",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="server log level on stderr (default: WARNING)",
    )


def run(args: argparse.Namespace) -> int:
    import logging  # here: `layerlint check` builds this parser too

    # stdout carries the protocol; every log line must go to stderr.
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    _import_asyncio_without_tls()
    from layerlint.lsp.project_index import index_in_background
    from layerlint.lsp.server import build_server

    server = build_server()
    index_in_background(server)  # other files' uses: never built while a keystroke waits
    from layerlint.lsp.memory_release import release_import_leftovers

    release_import_leftovers()  # ~7 MiB the protocol library's import leaves unused
    if args.tcp:
        host, port = _parse_address(args.tcp)
        server.start_tcp(host, port)
    else:
        from layerlint.lsp import stdio

        stdio.serve(server)  # stdin read by the event loop, without a thread per line
    return 0


def _import_asyncio_without_tls() -> None:
    """Import asyncio (the server's event loop) without the `ssl` module it loads for TLS
    connections, which the server never opens: ~4 MiB of the server's memory (OpenSSL's
    libraries and their tables). `ssl` stays importable afterwards (a trace through an https
    Jupyter gateway imports it then); only asyncio's own TLS transports are left without it."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return
    sys.modules["ssl"] = None  # type: ignore[assignment]  # makes `import ssl` fail
    try:
        import asyncio  # noqa: F401
    finally:
        del sys.modules["ssl"]


def _parse_address(value: str) -> tuple[str, int]:
    host, separator, port = value.rpartition(":")
    if not separator or not port.isdigit():
        raise SystemExit(f"layerlint serve: --tcp expects HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)
