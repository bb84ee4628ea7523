"""A recording pytest-lsp client for the end-to-end tests, and small protocol helpers.

The stock client keeps only the last diagnostics per URI; these tests need every publish with
its version, so the client records them all and wakes waiters on each one.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from layerlint.lsp.line_edit import split_lines_keepends

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
SERVER_COMMAND = [sys.executable, "-m", "layerlint", "serve"]
MODULES_FILE = Path(tempfile.gettempdir()) / f"layerlint-lsp-modules-{os.getpid()}.json"
KEPT_DOCUMENTS_FILE = Path(f"{MODULES_FILE}.documents.json")
INSTRUMENTED_SERVER_COMMAND = [
    sys.executable, str(Path(__file__).with_name("instrumented_server.py")), str(MODULES_FILE)
]
TIMEOUT = 20.0


class RecordingClient(LanguageClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.publish_event = asyncio.Event()


def record_publish(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics
    client.publish_event.set()


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record_publish
    register_lsp_features(client, features)
    return client


def capabilities(
    *,
    pull: bool = False,
    document_changes: bool = True,
    resolve_edits: bool = False,
    notebooks: bool = False,
    configuration: bool = False,
) -> types.ClientCapabilities:
    """Client capabilities like an editor's, with the switches the tests vary."""
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=document_changes
            ),
            configuration=configuration,
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
            if pull
            else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True,
                related_information=True,
                code_description_support=True,
                data_support=True,
            ),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix]
                    )
                ),
                is_preferred_support=True,
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                if resolve_edits
                else None,
            ),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
        if notebooks
        else None,
        window=types.WindowClientCapabilities(
            show_message=types.ShowMessageRequestClientCapabilities()
        ),
    )


async def start(
    client: LanguageClient,
    caps: types.ClientCapabilities,
    initialization_options: Any = None,
    root: Path = ROOT,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=initialization_options,
        )
    )


async def wait_for_publish(
    client: RecordingClient, uri: str, version: int | None = None, after: int = 0
) -> types.PublishDiagnosticsParams:
    """The first publish for `uri` (with `version`, if given) at index `after` or later."""

    async def find() -> types.PublishDiagnosticsParams:
        while True:
            for params in client.published[after:]:
                if params.uri == uri and (version is None or params.version == version):
                    return params
            client.publish_event.clear()
            await client.publish_event.wait()

    return await asyncio.wait_for(find(), TIMEOUT)


def open_document(
    client: LanguageClient, uri: str, text: str, version: int = 1, language_id: str = "python"
) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language_id, version=version, text=text
            )
        )
    )


def replace_range(
    client: LanguageClient, uri: str, version: int, range_: types.Range, text: str
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=range_, text=text)],
        )
    )


def line_range(text: str, line: int) -> types.Range:
    """The range of one whole 0-based line, without its line break (ASCII text)."""
    content = text.split("\n")[line]
    return types.Range(
        start=types.Position(line=line, character=0),
        end=types.Position(line=line, character=len(content)),
    )


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII positions) to `text`, the last edit first."""
    lines = split_lines_keepends(text)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    ordered = sorted(edits, key=lambda edit: offset(edit.range.start), reverse=True)
    for edit in ordered:
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(diagnostic.code) for diagnostic in diagnostics]


def find_line(text: str, fragment: str, occurrence: int = 1) -> int:
    """0-based number of the `occurrence`-th line containing `fragment`."""
    seen = 0
    for number, line in enumerate(text.split("\n")):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not found {occurrence} times")
