"""Layers of installed packages in the editor: resolved off the typing path.

The analysis asks `analysis.installed` for a third-party class (`timm.layers.BatchNormAct2d`);
in the server jedi answers in a worker thread, so the first analysis of a document does without
it. When an answer arrives, every open document is analysed again and re-published.
"""

from __future__ import annotations

from layerlint.analysis import installed
from layerlint.lsp import publish
from layerlint.lsp.session import LayerlintServer


def register(server: LayerlintServer) -> None:
    installed.resolve_in_background(lambda: refresh(server))


def refresh(ls: LayerlintServer) -> None:
    ls.state.results.clear()
    publish.refresh_all(ls)
