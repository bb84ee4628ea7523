"""A notebook sent as one text document (JupyterLab's virtual document, named after the
`.ipynb`): messages quote the code of the lines they mention; LSP notebook documents name the
cell and its line."""

from __future__ import annotations

from lsp_client import (
    RecordingClient,
    capabilities,
    open_document,
    start,
    wait_for_publish,
)
from test_notebook_map import JOINED


async def test_joined_notebook_message_quotes_the_first_call(server: RecordingClient, tmp_path) -> None:
    await start(server, capabilities(), root=tmp_path)
    notebook_uri = (tmp_path / "reuse.ipynb").as_uri()
    script_uri = (tmp_path / "reuse.py").as_uri()
    open_document(server, notebook_uri, JOINED)
    open_document(server, script_uri, JOINED)

    notebook = await wait_for_publish(server, notebook_uri)
    script = await wait_for_publish(server, script_uri)

    [in_notebook] = [item for item in notebook.diagnostics if item.code == "LL101"]
    [in_script] = [item for item in script.diagnostics if item.code == "LL101"]
    assert "after its first call on `x = bn(conv_1(inputs))`" in in_notebook.message
    assert "after its first call on line 11" in in_script.message
