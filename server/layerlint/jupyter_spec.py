"""The jupyter-lsp spec: how JupyterLab finds and starts `layerlint serve` by itself.

jupyter-lsp (the Jupyter server extension behind JupyterLab's LSP client) loads every entry
point in the group `jupyter_lsp_spec_v1` when it starts, calls it with its manager, and
expects `{key: spec}` back, validated against its JSON schema (spec `version` 2). The key is
the server's name everywhere afterwards: `GET /lsp/status`, the websocket `/lsp/ws/<key>`,
and the `language_servers` user settings that rank servers against each other.

JupyterLab uses one server per language, the highest ranked; between equal ranks it takes
the first key in alphabetical order (JupyterLab 4.6, jupyterlab-lsp 5.3). The key therefore
sorts after `pylsp` and the other Python servers jupyter-lsp knows: installing layerlint never
takes completion and hover away from a user's server, and pylsp shows our findings through
its plugin (`pylsp_plugin.py`). Ranking this server higher is one setting (docs/jupyter.md).

JupyterLab sends a notebook as one Python text document: code cells joined by two blank
lines, IPython magics rewritten as `get_ipython().run_line_magic(...)`. Its URI is the
notebook's own path for a server that says `requires_documents_on_disk: false` (this one),
and `ROOT/.virtual_documents/PATH.ipynb` for the others (pylsp); `notebook_path` maps the
latter back, so the notebook's imports resolve next to the notebook.
Nothing here imports Jupyter.
"""

from __future__ import annotations

import sys
from pathlib import PurePath
from typing import Any

SERVER_KEY = "python-layerlint"
VIRTUAL_DOCUMENTS_FOLDER = ".virtual_documents"
"""jupyter-lsp's `virtual_documents_dir` default, under the Jupyter server's root."""
SPEC_VERSION = 2
"""The jupyter-lsp spec schema version this spec follows (`jupyter_lsp.schema.SPEC_VERSION`)."""

_HOME = "https://github.com/layerlint/layerlint"


def _troubleshoot(python: str) -> str:
    return (
        f"layerlint runs as `{python} -m layerlint serve` in the Jupyter server's environment. "
        "If it does not start, run `python -m layerlint check NOTEBOOK.ipynb` in a terminal of "
        "that environment.\n\n"
        "JupyterLab asks one language server per language: the one with the highest rank. "
        "python-lsp-server (pylsp) users can keep pylsp and get layerlint's diagnostics through "
        "its plugin, installed with layerlint. To use this server instead, give it a higher "
        "rank in Settings > Settings Editor > Language Servers: "
        f'`{{"{SERVER_KEY}": {{"priority": 100}}}}` in `language_servers`. '
        f"See {_HOME}/blob/main/docs/jupyter.md."
    )


_CONFIG_SCHEMA: dict[str, Any] = {
    "title": "layerlint",
    "type": "object",
    "properties": {
        "layerlint.select": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Rule codes or prefixes to report, e.g. [\"LL1\"]. Empty: all rules.",
        },
        "layerlint.ignore": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Rule codes or prefixes never to report, e.g. [\"LL104\"].",
        },
        "layerlint.severity": {
            "type": "object",
            "default": {},
            "additionalProperties": {
                "type": "string",
                "enum": ["error", "warning", "information", "hint"],
            },
            "description": "Per-rule severity overrides, e.g. {\"LL103\": \"hint\"}.",
        },
        "layerlint.kerasVersion": {
            "type": ["string", "null"],
            "default": None,
            "description": "Keras version for version-aware rules. Empty: the environment's.",
        },
    },
}


def language_server_spec(manager: Any = None) -> dict[str, dict[str, Any]]:
    """The `jupyter_lsp_spec_v1` entry point: layerlint's spec, keyed by its server name.

    `manager` is jupyter-lsp's `LanguageServerManager`; the spec does not depend on it,
    because the server runs in the interpreter that runs Jupyter (`sys.executable`), where
    this module was just imported from.
    """
    del manager
    spec = {
        "version": SPEC_VERSION,
        "argv": [sys.executable, "-m", "layerlint", "serve"],
        "languages": ["python"],
        "mime_types": ["text/python", "text/x-ipython", "text/x-python"],
        "display_name": "layerlint",
        # The server analyses what the client sends; it never reads the notebook from disk.
        "requires_documents_on_disk": False,
        "install": {"pip": "pip install layerlint"},
        "urls": {"home": _HOME, "issues": f"{_HOME}/issues"},
        "troubleshoot": _troubleshoot(sys.executable),
        "config_schema": _CONFIG_SCHEMA,
        "env": {"PYTHONUNBUFFERED": "1"},
    }
    return {SERVER_KEY: spec}


def notebook_path(path: str) -> str:
    """The notebook a JupyterLab virtual document stands for; other paths unchanged.

    `ROOT/.virtual_documents/sub/model.ipynb` is the text of `ROOT/sub/model.ipynb`, and its
    `from blocks import ResBlock` means `ROOT/sub/blocks.py`.
    """
    parts = PurePath(path).parts
    if VIRTUAL_DOCUMENTS_FOLDER not in parts:
        return path
    index = len(parts) - 1 - parts[::-1].index(VIRTUAL_DOCUMENTS_FOLDER)
    return str(PurePath(*parts[:index], *parts[index + 1 :]))
