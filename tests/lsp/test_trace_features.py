"""The shape trace through the language server, end to end: the real `layerlint serve` and a
real kernel. One server (and one warm kernel behind it) for the module.

Covered: the "Trace shapes" code lens, the `layerlint.traceShapes` command with work-done
progress while the server keeps answering, LL900 merged into the published diagnostics,
inlay hints and hover on the traced lines, results following line shifts and dropped when the
class changes, cancellation from the progress' cancel button, and the needs-input-shape answer.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
RUNAWAY = ROOT / "tests" / "trace" / "models" / "runaway.py"
COMMAND = "layerlint.traceShapes"
TIMEOUT = 120.0

pytestmark = [pytest.mark.framework, pytest.mark.asyncio(loop_scope="module")]


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "layerlint", "serve"]),
)
async def client(lsp_client: LanguageClient):
    lsp_client.inlay_hint_refreshes = 0

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def count_refresh(client: LanguageClient, params: None) -> None:
        client.inlay_hint_refreshes += 1

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            workspace=types.WorkspaceClientCapabilities(
                inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=True)),
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                    version_support=True),
                inlay_hint=types.InlayHintClientCapabilities(),
                hover=types.HoverClientCapabilities(
                    content_format=[types.MarkupKind.Markdown]),
                code_lens=types.CodeLensClientCapabilities()),
        ),
        root_uri=ROOT.as_uri(),
    ))
    yield
    await lsp_client.shutdown_session()


def open_file(client: LanguageClient, path: Path, uri: str | None = None) -> tuple[str, str]:
    uri = uri or path.as_uri()
    text = path.read_text(encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=text)))
    return uri, text


def replace_text(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def run_command(client: LanguageClient, *arguments) -> dict:
    return await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=COMMAND, arguments=list(arguments))), TIMEOUT)


async def inlay_hints(client: LanguageClient, uri: str, lines: int) -> list[types.InlayHint]:
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=lines, character=0))
    return await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=whole)) or []


async def trace_diagnostics(client: LanguageClient, uri: str, present: bool) -> list:
    """Wait until LL900 is (or is no longer) among the diagnostics published for `uri`."""

    async def settled() -> list:
        while True:
            found = [item for item in client.diagnostics.get(uri, []) if item.code == "LL900"]
            if bool(found) == present:
                return found
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(settled(), TIMEOUT)


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """0-based line of the n-th line containing `needle`."""
    return [number for number, line in enumerate(text.splitlines()) if needle in line][occurrence]


async def test_trace_from_the_code_lens_shows_shapes_and_the_error(client: LanguageClient):
    uri, text = open_file(client, EXAMPLE)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
        (line_of(text, "class FeatureExtractor"), "Trace shapes")]
    assert lenses[0].command.command == COMMAND

    command = asyncio.ensure_future(run_command(client, *lenses[0].command.arguments))
    while not any(isinstance(report, types.WorkDoneProgressReport)
                  for reports in client.progress_reports.values() for report in reports):
        await asyncio.sleep(0.05)
    answered = await client.text_document_code_lens_async(  # the server is not blocked
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert answered and not command.done()
    answer = await command

    first_bn, second_bn = line_of(text, "self.bn("), line_of(text, "self.bn(", 1)
    assert answer["status"] == "error" and answer["target"] == "FeatureExtractor"
    assert answer["error"]["line"] == second_bn + 1
    reports = next(iter(client.progress_reports.values()))
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert client.inlay_hint_refreshes >= 1  # the editor is told to ask for the new hints

    ll900 = await trace_diagnostics(client, uri, present=True)
    assert ll900[0].range.start.line == second_bn
    assert "expected axis -1 of input shape to have value 6" in ll900[0].message
    assert ll900[0].severity == types.DiagnosticSeverity.Error

    hints = {hint.position.line: hint for hint in await inlay_hints(client, uri, len(text))}
    assert set(hints) == {first_bn, second_bn}
    assert hints[first_bn].label.startswith("(1, 32, 32, 3) -> (1, 29, 29, 6) -> ")
    assert hints[second_bn].label.endswith("-> error")
    assert hints[first_bn].position.character == len(text.splitlines()[first_bn])

    bn_column = text.splitlines()[second_bn].index("self.bn(") + 2
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=second_bn, character=bn_column)))
    assert "(BatchNormalization)" in hover.contents.value
    assert "expected axis -1" in hover.contents.value

    # An edit above the class moves the results with their lines ...
    shifted = "# a comment typed above\n" + text
    replace_text(client, uri, 2, shifted)
    await asyncio.sleep(0.2)
    moved = await inlay_hints(client, uri, len(shifted))
    assert {hint.position.line for hint in moved} == {first_bn + 1, second_bn + 1}
    # ... an edit inside it drops them, LL900 included.
    changed = shifted.replace("return x\n", "return x * 1\n")
    replace_text(client, uri, 3, changed)
    assert await trace_diagnostics(client, uri, present=False) == []
    left = await inlay_hints(client, uri, len(changed))  # only the static shapes remain
    assert left and all(str(hint.label).startswith("⟨static⟩") for hint in left)


async def test_cancel_from_the_progress_stops_the_run(client: LanguageClient):
    uri, _ = open_file(client, RUNAWAY)
    known = set(client.progress_reports)
    command = asyncio.ensure_future(run_command(client, uri, "Sleeps", [1, 2]))

    async def forward_pass_token() -> str:
        while True:
            for token, reports in client.progress_reports.items():
                if token not in known and any(
                        getattr(report, "message", "") == "running the forward pass"
                        for report in reports):
                    return token
            await asyncio.sleep(0.05)

    token = await asyncio.wait_for(forward_pass_token(), TIMEOUT)
    await asyncio.sleep(0.3)
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    answer = await asyncio.wait_for(command, 15)

    assert answer["status"] == "cancelled"


async def test_unknown_input_shape_asks_the_client(client: LanguageClient, tmp_path):
    model = tmp_path / "shapeless.py"
    model.write_text("from keras import layers\n\n\nclass Net(layers.Layer):\n"
                     "    def call(self, x):\n        return x\n")
    uri, _ = open_file(client, model)

    answer = await run_command(client, uri, {"line": 4, "character": 0})
    assert answer["status"] == "needs_input_shape" and answer["target"] == "Net"

    answer = await run_command(client, uri, "Net", "1,3")
    assert answer["status"] == "ok" and answer["inputShape"] == [1, 3]
    assert answer["inputShapeSource"] == "command"


async def test_several_inputs_from_the_prompt(client: LanguageClient):
    """The editor's prompt sends several inputs as text; the answer lists each one fed."""
    path = ROOT / "tests" / "trace" / "models" / "torch_two_args.py"
    uri, _ = open_file(client, path)

    answer = await run_command(client, uri, "MaskedEncoder", "3,4; 3,4")
    assert answer["status"] == "ok", answer
    assert answer["inputs"] == [{"name": None, "shape": [3, 4], "dtype": "int64"},
                                {"name": None, "shape": [3, 4], "dtype": "float32"}]

    answer = await run_command(client, uri, "MaskedEncoder", "3,4; 3,x")
    assert answer["status"] == "usage_error" and "whole numbers" in answer["message"]
