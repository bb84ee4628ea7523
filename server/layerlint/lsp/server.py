"""Builds the layerlint language server: every LSP feature is registered here, in one list.

Each feature module has `register(server)` and owns its handlers; adding a feature is one
line in `FEATURE_MODULES`.
"""

from __future__ import annotations

import importlib

from layerlint.lsp import notebook_sync
from layerlint.lsp.session import LayerlintServer

FEATURE_MODULES = (
    "layerlint.lsp.settings",
    "layerlint.lsp.text_sync",
    "layerlint.lsp.notebook_sync",
    "layerlint.lsp.pull_diagnostics",
    "layerlint.lsp.code_actions",
    "layerlint.lsp.trace_features",
    "layerlint.lsp.installed_layers",
    "layerlint.lsp.project_index",
)


def build_server() -> LayerlintServer:
    server = LayerlintServer(notebook_document_sync=notebook_sync.SYNC_OPTIONS)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register(server)
    return server
