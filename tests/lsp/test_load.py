"""The server under load (a real `layerlint serve` over stdio):

- 1,000 `didChange` events in one burst on a generated 10,000-line model file, with code-action
  requests (some cancelled at once) in between: every request is answered, publishes never go
  back in version, the last one is for the last version and equals a fresh analysis of the
  final text, and the peak memory stays bounded;
- hundreds of documents opened and closed, twice: each gets its diagnostics and then an empty
  publish on close, and the second round does not grow the server's memory;
- `$/cancelRequest` for a request still pending in the server (pygls 2 cancels the handler's
  asyncio future, which only async handlers have; synchronous handlers have already answered
  when the cancel is read) is answered with the LSP error RequestCancelled (-32800).

Set LAYERLINT_RELIABILITY_REPORT=file.json to keep the measured figures (the README's table).
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import pytest
from raw_server import REQUEST_CANCELLED, RawServer, raw_session, record, text_range

from bench.edit_script import apply_edit, plan_typing
from bench.generate_models import generate_module
from layerlint.analysis import analyse
from layerlint.lsp import convert

EVENTS = 1000
LINES = 10_000
DOCUMENTS = 300
PEAK_LIMIT_KIB = 1_500 * 1024
TIMEOUT = 600


def fresh_diagnostics(text: str, path: Path) -> list[tuple[Any, ...]]:
    """The diagnostics a new analysis of `text` gives, in this (fresh) test process."""
    outcome = analyse(text, path=str(path))
    place = convert.text_placer(path.as_uri(), text, convert.units_counter(None))
    found = [convert.to_diagnostic(finding, place)[1] for finding in outcome.findings]
    syntax = convert.syntax_diagnostic(outcome.syntax_problems, place)
    found += [syntax[1]] if syntax else []
    return sorted((str(item.code), item.range.start.line, item.range.start.character,
                   item.range.end.line, item.range.end.character, item.message) for item in found)


def _key(diagnostic: dict[str, Any]) -> tuple[Any, ...]:
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    return (str(diagnostic.get("code")), start["line"], start["character"], end["line"],
            end["character"], diagnostic["message"])


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with raw_session(tmp_path) as client:
        yield client


def typing_burst(text: str, events: int) -> tuple[list[dict[str, Any]], str]:
    """`events` incremental changes typed into a model's call(), and the final text: all but
    the last type statements one character at a time (mostly half-typed, so the block does not
    parse); the last deletes the unfinished line, so the final text parses and a fresh analysis
    owes nothing to the findings the server keeps for half-typed blocks."""
    changes = []
    for edit in plan_typing(text, events - 1):
        text = apply_edit(text, edit)
        spot = {"line": edit.line, "character": edit.character}
        changes.append({"range": {"start": spot, "end": spot}, "text": edit.text})
    lines = text.split("\n")
    line = changes[-1]["range"]["start"]["line"] + changes[-1]["text"].startswith("\n")
    changes.append({"range": {"start": {"line": line - 1, "character": len(lines[line - 1])},
                              "end": {"line": line, "character": len(lines[line])}}, "text": ""})
    text = "\n".join([*lines[:line], *lines[line + 1:]])
    ast.parse(text)  # the final text must parse (see above)
    return changes, text


async def test_a_burst_of_1000_changes_on_a_10000_line_file(server: RawServer,
                                                            tmp_path: Path) -> None:
    text = generate_module(LINES).text
    path = tmp_path / "model.py"
    path.write_text(text)
    uri = path.as_uri()
    server.open(uri, text)
    first = await server.wait_for_diagnostics(uri, 1, 0, TIMEOUT)
    assert first is not None

    answers: list[asyncio.Future[dict[str, Any]]] = []
    cancelled: list[asyncio.Future[dict[str, Any]]] = []
    samples: list[int] = []
    changes, text = typing_burst(text, EVENTS)
    for number, change in enumerate(changes, start=2):
        server.send_notification("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": number}, "contentChanges": [change]})
        if number % 100 == 0:
            # A code action with whatever diagnostics the client has seen (often stale).
            latest = server.publishes[-1].diagnostics if server.publishes else []
            params = {"textDocument": {"uri": uri}, "range": text_range((0, 0), (0, 0)),
                      "context": {"diagnostics": latest[:20]}}
            answers.append(server.send("textDocument/codeAction", params))
        if number % 100 == 50:
            params = {"textDocument": {"uri": uri}, "range": text_range((0, 0), (0, 0)),
                      "context": {"diagnostics": []}}
            future = server.send("textDocument/codeAction", params)
            request_id = next(key for key, value in server.responses.items() if value is future)
            server.send_notification("$/cancelRequest", {"id": request_id})
            cancelled.append(future)
        if number % 100 == 0:
            await server._drain()
            samples.append(server.memory_kib()[0])
    final_version = EVENTS + 1
    last = await server.wait_for_diagnostics(uri, final_version, 0, TIMEOUT)
    assert last is not None, "no diagnostics for the last version"
    await asyncio.sleep(0.5)  # anything published late would show up now

    for answer in await asyncio.gather(*answers):
        assert "result" in answer, answer
    for answer in await asyncio.gather(*cancelled):
        assert "result" in answer or answer["error"]["code"] == REQUEST_CANCELLED, answer
    versions = [publish.version for publish in server.publishes if publish.uri == uri]
    assert versions == sorted(versions), "a publish went back in version"
    assert versions[-1] == final_version
    assert sorted(_key(item) for item in server.publishes[-1].diagnostics) == fresh_diagnostics(
        text, path)

    now, peak = server.memory_kib()
    assert server.alive() and peak < PEAK_LIMIT_KIB
    record("burst", {"events": EVENTS, "lines": LINES, "publishes": len(versions),
                     "code_actions": len(answers) + len(cancelled), "peak_rss_mib": peak // 1024,
                     "rss_after_mib": now // 1024, "rss_samples_mib": [s // 1024 for s in samples]})


async def test_hundreds_of_documents_opened_and_closed(server: RawServer, tmp_path: Path) -> None:
    fixtures = sorted((Path(__file__).resolve().parents[1] / "fixtures").rglob("*.py"))
    resident = []
    for round_ in range(2):
        uris = [(tmp_path / f"round{round_}_doc{index}.py").as_uri() for index in range(DOCUMENTS)]
        seen = len(server.publishes)
        for index, uri in enumerate(uris):
            server.open(uri, fixtures[index % len(fixtures)].read_text())
        for uri in uris:
            assert await server.wait_for_diagnostics(uri, 1, seen, TIMEOUT) is not None
        closed_from = len(server.publishes)
        for uri in uris:
            server.send_notification("textDocument/didClose", {"textDocument": {"uri": uri}})
        await server._drain()
        for uri in uris:
            cleared = await _publish_after(server, uri, closed_from)
            assert cleared["diagnostics"] == []
        resident.append(server.memory_kib()[0])
    growth = resident[1] - resident[0]
    assert server.alive() and growth < 64 * 1024, f"second round grew memory by {growth} KiB"
    record("documents", {"opened_and_closed": 2 * DOCUMENTS,
                         "rss_after_rounds_mib": [value // 1024 for value in resident],
                         "peak_rss_mib": server.memory_kib()[1] // 1024})


async def _publish_after(server: RawServer, uri: str, index: int) -> dict[str, Any]:
    for _ in range(int(TIMEOUT / 0.05)):
        for publish in server.publishes[index:]:
            if publish.uri == uri:
                return {"diagnostics": publish.diagnostics}
        await asyncio.sleep(0.05)
    raise AssertionError(f"no publish for {uri} after close")


async def test_cancelling_a_pending_request_answers_request_cancelled(
    server: RawServer, tmp_path: Path
) -> None:
    model = tmp_path / "model.py"
    model.write_text("import keras\n\n\nclass Net(keras.layers.Layer):\n    def call(self, x):\n"
                     "        return x\n")
    server.open(model.as_uri(), model.read_text())
    # The trace command waits for the client to accept its progress token before it starts
    # anything; holding that answer keeps the request pending in the server.
    server.held_methods.add("window/workDoneProgress/create")
    trace = server.send("workspace/executeCommand", {
        "command": "layerlint.traceShapes", "arguments": [model.as_uri(), "Net", [1, 3]]})
    for _ in range(600):
        if server.held:
            break
        await asyncio.sleep(0.05)
    assert server.held, "the trace never asked for a progress token"
    request_id = next(key for key, value in server.responses.items() if value is trace)
    server.send_notification("$/cancelRequest", {"id": request_id})
    answer = await asyncio.wait_for(trace, 30)
    assert answer.get("error", {}).get("code") == REQUEST_CANCELLED, answer

    server.held_methods.clear()
    server.answer_held()
    # The cancel reached the trace itself, not only pygls' answer: its progress ends without
    # a kernel ever being started for the cancelled request.
    progress = await _progress_until_end(server)
    assert not [value for value in progress if value.get("kind") == "report"], progress
    # The server goes on serving after the cancel.
    lenses = await server.call("textDocument/codeLens", {"textDocument": {"uri": model.as_uri()}})
    assert "result" in lenses
    record("cancel", {"pending_request_answered_with": answer["error"]["code"]})


async def _progress_until_end(server: RawServer, timeout: float = 30) -> list[dict[str, Any]]:
    """The `$/progress` values the server sent, once one of them ends the progress."""
    for _ in range(int(timeout / 0.05)):
        values = [message["params"]["value"] for message in server.notifications
                  if message["method"] == "$/progress"]
        if any(value.get("kind") == "end" for value in values):
            return values
        await asyncio.sleep(0.05)
    raise AssertionError(f"the trace's progress never ended: {server.notifications}")
