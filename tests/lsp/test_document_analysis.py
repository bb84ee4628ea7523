"""Resilience end to end: half-typed code and a crashing analysis never lose diagnostics."""

from __future__ import annotations

import asyncio

from instrumented_server import CRASH_MARKER
from lsp_client import (
    EXAMPLE,
    RecordingClient,
    capabilities,
    codes,
    find_line,
    line_range,
    open_document,
    replace_range,
    start,
    wait_for_publish,
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
HEAD = '''

class Head(Layer):
    def __init__(self):
        super().__init__()
        self.pool = MaxPool2D()

    def call(self, x):
        return self.pool(x)
'''
TEXT = EXAMPLE.read_text().replace('\n\nif __name__', HEAD + '\n\nif __name__')
SECOND_BN_LINE = find_line(TEXT, "self.bn(", occurrence=2)
HEAD_RETURN_LINE = find_line(TEXT, "return self.pool(x)")


async def test_a_syntax_error_in_one_class_keeps_the_other_class_finding(
    server: RecordingClient,
) -> None:
    await start(server, capabilities())
    open_document(server, URI, TEXT, version=1)
    first = await wait_for_publish(server, URI, version=1)
    assert "LL101" in codes(list(first.diagnostics))

    broken_line = "        return self.pool(x"
    replace_range(server, URI, 2, line_range(TEXT, HEAD_RETURN_LINE), broken_line)
    broken = await wait_for_publish(server, URI, version=2)
    ll101 = [item for item in broken.diagnostics if item.code == "LL101"]
    assert [item.range.start.line for item in ll101] == [SECOND_BN_LINE]
    (syntax,) = [item for item in broken.diagnostics if item.code == "LL000"]
    assert syntax.severity == types.DiagnosticSeverity.Hint
    assert syntax.range.start.line == HEAD_RETURN_LINE

    fixed_range = types.Range(
        start=types.Position(line=HEAD_RETURN_LINE, character=0),
        end=types.Position(line=HEAD_RETURN_LINE, character=len(broken_line)),
    )
    replace_range(server, URI, 3, fixed_range, "        return self.pool(x)")
    repaired = await wait_for_publish(server, URI, version=3)
    assert codes(list(repaired.diagnostics)) == codes(list(first.diagnostics))


async def test_an_analysis_crash_keeps_the_last_diagnostics(
    instrumented_server: RecordingClient,
) -> None:
    client = instrumented_server
    await start(client, capabilities())
    open_document(client, URI, TEXT, version=1)
    good = await wait_for_publish(client, URI, version=1)
    assert "LL101" in codes(list(good.diagnostics))

    crash_line = find_line(TEXT, "def call(self, x):") + 1
    at = types.Position(line=crash_line, character=0)
    replace_range(client, URI, 2, types.Range(start=at, end=at), f"        {CRASH_MARKER}\n")
    await wait_until(lambda: len(client.messages) >= 1)
    at = types.Position(line=crash_line + 1, character=0)
    replace_range(client, URI, 3, types.Range(start=at, end=at), "\n")
    await wait_until(lambda: sum("injected" in m.message for m in client.log_messages) >= 2)

    # Both crashes are logged, shown once, and publish nothing: the client keeps version 1's.
    assert len(client.messages) == 1
    assert "could not analyse" in client.messages[0].message
    assert [p.version for p in client.published if p.uri == URI] == [1]

    # Remove the marker line: the server is alive and analyses again.
    start_of_marker = types.Position(line=crash_line, character=0)
    after_marker = types.Position(line=crash_line + 1, character=0)
    replace_range(
        client, URI, 4, types.Range(start=start_of_marker, end=after_marker), ""
    )
    recovered = await wait_for_publish(client, URI, version=4)
    assert codes(list(recovered.diagnostics)) == codes(list(good.diagnostics))


async def wait_until(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)

