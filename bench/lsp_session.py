"""One benchmark session: start a server, open a file, type the edit script, time each edit.

The protocol steps are identical for every server: initialize (push diagnostics with
versionSupport, no pull capability), initialized, didOpen, wait for the first diagnostics, then
one didChange per key (or, for the full-document script of `bench.document_script`, the whole
new text in each didChange, whatever sync kind the server asked for). Each edit is timed from
the moment its didChange is written to the moment a publishDiagnostics for that URI with the
edit's version is read (the first publish after the send for servers that omit versions); the
next key is sent only after that, or after the timeout, which is recorded as a timeout.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.document_script import FullText
from bench.edit_script import Edit, apply_edit
from bench.lsp_client import LspClient, Publish
from bench.process_memory import resident_kib, tree_resident_kib

TEXT_SYNC_NAMES = {0: "none", 1: "full", 2: "incremental"}

CLIENT_CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {"workspaceFolders": True},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": False},
        # versionSupport asks servers to say which document version a publish describes.
        # No "diagnostic" entry: without pull support every server must push.
        "publishDiagnostics": {
            "relatedInformation": True,
            "versionSupport": True,
            "codeDescriptionSupport": True,
            "dataSupport": True,
            "tagSupport": {"valueSet": [1, 2]},
        },
    },
}


@dataclass(frozen=True)
class SessionOptions:
    warmup: int  # keystrokes sent first and not counted
    edit_timeout: float  # seconds an edit may wait for its diagnostics
    open_timeout: float  # seconds for initialize and for the diagnostics of didOpen
    pause: float = 0.0  # seconds between one edit's diagnostics and the next key


@dataclass
class SessionResult:
    server: str
    path: Path
    server_info: str = ""
    text_sync: str = ""
    open_ms: float | None = None
    open_codes: dict[str, int] = field(default_factory=dict)
    final_codes: dict[str, int] = field(default_factory=dict)
    # Per code, the most diagnostics seen in one publish while typing: shows findings that
    # appear and go as the text passes through valid and broken states.
    peak_codes: dict[str, int] = field(default_factory=dict)
    # Measured edits only (warm-up excluded); None marks a timeout.
    latencies_ms: list[float | None] = field(default_factory=list)
    edit_kinds: list[str] = field(default_factory=list)
    """What each measured edit was, in the same order: `key` (a keystroke), or a full-text
    step's kind (`comment`, `paste`, `delete`)."""
    warmup_ms: list[float | None] = field(default_factory=list)
    versioned_publishes: int = 0
    unversioned_publishes: int = 0
    rss_kib: int = 0  # the server and its children
    server_rss_kib: int = 0  # the server process alone
    error: str | None = None


def _diagnostic_codes(publish: Publish | None) -> dict[str, int]:
    if publish is None:
        return {}
    codes = Counter(str(diagnostic.get("code", "?")) for diagnostic in publish.diagnostics)
    return dict(codes.most_common())


def _change_kind(capabilities: dict[str, Any]) -> int:
    sync = capabilities.get("textDocumentSync", 0)
    return sync if isinstance(sync, int) else int(sync.get("change", 0))


def _server_info(result: dict[str, Any]) -> str:
    info = result.get("serverInfo") or {}
    return " ".join(part for part in (info.get("name"), info.get("version")) if part)


def _content_change(text_after: str, edit: Edit | FullText, change_kind: int) -> dict[str, Any]:
    if change_kind == 1 or isinstance(edit, FullText):
        return {"text": text_after}
    position = {"line": edit.line, "character": edit.character}
    return {"range": {"start": position, "end": position}, "text": edit.text}


def _initialize_params(root: Path) -> dict[str, Any]:
    return {
        "processId": os.getpid(),
        "clientInfo": {"name": "layerlint-bench"},
        "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": CLIENT_CAPABILITIES,
    }


async def run_session(
    server: str,
    command: list[str],
    path: Path,
    edits: Sequence[Edit | FullText],
    options: SessionOptions,
    log_path: Path,
) -> SessionResult:
    """Runs the whole script against a fresh server process and shuts it down."""
    result = SessionResult(server=server, path=path)
    text = path.read_text(encoding="utf-8")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        client = await LspClient.start(command, cwd=Path.cwd(), stderr=log)
        try:
            await _drive(client, result, text, edits, options)
            # Memory after the run, before shutdown: what the editor pays while you type.
            result.server_rss_kib = resident_kib(client.pid)
            result.rss_kib = max(tree_resident_kib(client.pid), result.server_rss_kib)
        except Exception as error:  # report the failure in the table instead of aborting
            result.error = f"{type(error).__name__}: {error}"
        finally:
            await client.shutdown()
    result.versioned_publishes = sum(p.version is not None for p in client.publishes)
    result.unversioned_publishes = sum(p.version is None for p in client.publishes)
    return result


async def _drive(
    client: LspClient,
    result: SessionResult,
    text: str,
    edits: Sequence[Edit | FullText],
    options: SessionOptions,
) -> None:
    uri = result.path.as_uri()
    initialized = await client.request(
        "initialize", _initialize_params(result.path.parent), options.open_timeout
    )
    result.server_info = _server_info(initialized)
    change_kind = _change_kind(initialized.get("capabilities", {}))
    result.text_sync = TEXT_SYNC_NAMES.get(change_kind, str(change_kind))
    await client.notify("initialized", {})

    first_index = len(client.publishes)
    document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    sent_ns = await client.notify("textDocument/didOpen", {"textDocument": document})
    publish = await client.wait_for_diagnostics(uri, 1, first_index, options.open_timeout)
    if publish is None:
        raise TimeoutError(f"no diagnostics within {options.open_timeout:.0f} s of didOpen")
    result.open_ms = (publish.received_ns - sent_ns) / 1e6
    result.open_codes = _diagnostic_codes(publish)

    last_publish = publish
    for number, edit in enumerate(edits):
        version = number + 2
        text = edit.text if isinstance(edit, FullText) else apply_edit(text, edit)
        params = {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [_content_change(text, edit, change_kind)],
        }
        first_index = len(client.publishes)
        sent_ns = await client.notify("textDocument/didChange", params)
        publish = await client.wait_for_diagnostics(uri, version, first_index, options.edit_timeout)
        latency = None if publish is None else (publish.received_ns - sent_ns) / 1e6
        if number < options.warmup:
            result.warmup_ms.append(latency)
        else:
            result.latencies_ms.append(latency)
            result.edit_kinds.append(edit.kind if isinstance(edit, FullText) else "key")
        last_publish = publish or last_publish
        for code, count in _diagnostic_codes(publish).items():
            result.peak_codes[code] = max(count, result.peak_codes.get(code, 0))
        if options.pause:
            await asyncio.sleep(options.pause)
    result.final_codes = _diagnostic_codes(last_publish)
