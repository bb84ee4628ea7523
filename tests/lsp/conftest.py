"""The `server` fixture: a real `layerlint serve` subprocess behind a recording client.

Tests initialize it themselves, since each test chooses the client capabilities it needs
(push or pull diagnostics, notebooks, documentChanges, ...).
"""

from __future__ import annotations

import pytest_lsp
from lsp_client import (
    INSTRUMENTED_SERVER_COMMAND,
    KEPT_DOCUMENTS_FILE,
    MODULES_FILE,
    SERVER_COMMAND,
    RecordingClient,
    make_client,
)
from pytest_lsp import ClientServerConfig


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)
)
async def server(lsp_client: RecordingClient):
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=INSTRUMENTED_SERVER_COMMAND,
        client_factory=make_client,
    )
)
async def instrumented_server(lsp_client: RecordingClient):
    """The server with an analysis that crashes on demand and a record of its imports."""
    MODULES_FILE.unlink(missing_ok=True)
    KEPT_DOCUMENTS_FILE.unlink(missing_ok=True)
    yield
    await lsp_client.shutdown_session()
