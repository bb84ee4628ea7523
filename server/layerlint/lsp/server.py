"""Builds the layerlint language server: every LSP feature is registered here, in one list.

Each feature module has `register(server)` and owns its handlers; adding a feature is one
line in `FEATURE_MODULES`. Modules in `OPTIONAL_FEATURE_MODULES` are registered when they are
installed (the shape-trace surfaces are written separately and may not exist yet).
"""

from __future__ import annotations

import importlib
import importlib.util

from layerlint.lsp import notebook_sync
from layerlint.lsp.session import LayerlintServer

FEATURE_MODULES = (
    "layerlint.lsp.settings",
    "layerlint.lsp.text_sync",
    "layerlint.lsp.notebook_sync",
    "layerlint.lsp.pull_diagnostics",
    "layerlint.lsp.code_actions",
)
OPTIONAL_FEATURE_MODULES = ("layerlint.lsp.trace_features",)


def build_server() -> LayerlintServer:
    server = LayerlintServer(notebook_document_sync=notebook_sync.SYNC_OPTIONS)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register(server)
    for name in OPTIONAL_FEATURE_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(server)
    return server
