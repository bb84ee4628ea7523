"""Pull diagnostics end to end: answers on request, unchanged ids, and no pushing."""

from __future__ import annotations

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
)
from lsprotocol import types

URI = EXAMPLE.as_uri()
TEXT = EXAMPLE.read_text()


async def pull(
    client: RecordingClient, previous: str | None = None
) -> types.DocumentDiagnosticReport:
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=URI), previous_result_id=previous
        )
    )


async def test_pull_reports_ll101_and_nothing_is_pushed(server: RecordingClient) -> None:
    await start(server, capabilities(pull=True))
    open_document(server, URI, TEXT, version=1)

    report = await pull(server)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    ll101 = [item for item in report.items if item.code == "LL101"]
    assert [item.range.start.line for item in ll101] == [find_line(TEXT, "self.bn(", 2)]
    assert report.result_id

    again = await pull(server, previous=report.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == report.result_id

    second_call = find_line(TEXT, "self.bn(", 2)
    replace_range(
        server, URI, 2, line_range(TEXT, second_call), "        x = self.maxpool(self.conv_2(x))"
    )
    changed = await pull(server, previous=report.result_id)
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert "LL101" not in codes(list(changed.items))

    # Responses come after any notification sent before them: none was pushed.
    assert [params.uri for params in server.published] == []


async def test_pull_of_an_unknown_document_is_empty(server: RecordingClient) -> None:
    await start(server, capabilities(pull=True))
    report = await server.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri="file:///not/open.py")
        )
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert list(report.items) == []
