"""Findings to LSP diagnostics, and fix proposals in and out of a diagnostic's `data`.

A finding counts 1-based lines and 1-based character columns over the analysed text; LSP
counts 0-based lines and columns in the client's encoding (UTF-16 unless negotiated) on a
given URI. A `Placer` does that mapping for one analysed text: for a plain file it is the
identity on the URI, for a notebook it picks the cell (see `lsp/notebook_map.py`).

The fix proposals travel inside `Diagnostic.data` so that a code action request, which echoes
the diagnostics back, can rebuild them without analysing again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from layerlint.analysis import SyntaxProblem
from layerlint.findings import Finding, Severity, Span
from layerlint.fix_requests import FixError, FixRequest, parse_fix_request
from layerlint.lsp.line_edit import split_lines

SOURCE = "layerlint"
SYNTAX_CODE = "LL000"
RULE_DOC_URL = "https://github.com/layerlint/layerlint/blob/main/docs/rules/{code}.md"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}

Placer = Callable[[int, int], tuple[str, types.Position]]
"""(1-based line, 1-based character column) -> (URI, LSP position) of the analysed text."""
Units = Callable[[str], int]
"""The length of a string in the negotiated position encoding."""


def to_diagnostic(finding: Finding, place: Placer) -> tuple[str, types.Diagnostic]:
    """The URI a finding belongs to and its diagnostic there."""
    uri, range_ = _range(finding.span, place)
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=related_uri, range=related_range),
            message=item.message,
        )
        for item in finding.related
        for related_uri, related_range in [_range(item.span, place)]
    ]
    if finding.keras_target is not None:
        related.append(_target_information(finding, place))
    diagnostic = types.Diagnostic(
        range=range_,
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=RULE_DOC_URL.format(code=finding.code)),
        source=SOURCE,
        related_information=related or None,
        data={"name": finding.name, "fixes": fixes_to_data(finding.fixes)},
    )
    return uri, diagnostic


def syntax_diagnostic(
    problems: Sequence[SyntaxProblem], place: Placer
) -> tuple[str, types.Diagnostic] | None:
    """One faint LL000 diagnostic at the first part that does not parse (None if all parse).

    Editors already show the syntax error itself through the Python language server; this
    one says what it means for layerlint: the findings of that block are paused until it
    parses again, while every other block keeps its current findings. Hint level keeps it
    from adding a second red squiggle to a half-typed line.
    """
    if not problems:
        return None
    first = min(problems, key=lambda problem: (problem.line, problem.column))
    span = Span(first.line, first.column, first.line, first.column + 1)
    uri, range_ = _range(span, place)
    others = len(problems) - 1
    more = f" (and {others} more place{'s' if others > 1 else ''})" if others else ""
    diagnostic = types.Diagnostic(
        range=range_,
        message=(
            f"layerlint skips this block until it parses: {first.message}{more}. "
            "Findings in other blocks are current."
        ),
        severity=types.DiagnosticSeverity.Hint,
        code=SYNTAX_CODE,
        source=SOURCE,
    )
    return uri, diagnostic


def _target_information(finding: Finding, place: Placer) -> types.DiagnosticRelatedInformation:
    """Which Keras a version-aware finding assumed, shown in the diagnostic's hover: placed on
    the deciding evidence (a pin file's line, the module's own line) or on the finding."""
    target = finding.keras_target
    assert target is not None  # added only to version-aware findings
    evidence = target.evidence[0] if target.evidence else None
    if evidence is not None and evidence.path is not None and not evidence.path.endswith(".ipynb"):
        line = max((evidence.line or 1) - 1, 0)
        position = types.Position(line=line, character=0)
        location = types.Location(uri=from_fs_path(evidence.path) or evidence.path,
                                  range=types.Range(start=position, end=position))
    else:  # the module's own line, or (a notebook's pip cell: its `line` is a cell) the finding
        line = (evidence.line if evidence is not None and evidence.path is None and evidence.line
                else finding.span.line)
        uri, range_ = _range(Span(line, 1, line, 1), place)
        location = types.Location(uri=uri, range=range_)
    return types.DiagnosticRelatedInformation(location=location,
                                              message=f"Assumed {target.summary()}")


def _range(span: Span, place: Placer) -> tuple[str, types.Range]:
    uri, start = place(span.line, span.column)
    end_uri, end = place(span.end_line, span.end_column)
    if end_uri != uri or (end.line, end.character) < (start.line, start.character):
        # A span cannot cross notebook cells; keep the part in the cell where it starts.
        end = start
    return uri, types.Range(start=start, end=end)


def fixes_to_data(fixes: Sequence[FixRequest]) -> list[dict[str, Any]]:
    return [{"title": fix.title, "kind": fix.kind, "data": dict(fix.data)} for fix in fixes]


def fixes_from_diagnostic(diagnostic: types.Diagnostic) -> list[FixRequest]:
    """The fix requests carried by one of our diagnostics (empty for anyone else's); one whose
    kind or data does not read back is left out."""
    if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
        return []
    proposals = []
    for raw in diagnostic.data.get("fixes") or []:
        if not isinstance(raw, dict) or "title" not in raw or "kind" not in raw:
            continue
        try:
            proposals.append(parse_fix_request(str(raw["kind"]), raw.get("data"), str(raw["title"])))
        except FixError:
            continue
    return proposals


def units_counter(encoding: str | None) -> Callable[[str], int]:
    """How long a string is in the negotiated position encoding (`utf-16` unless agreed)."""
    if encoding == types.PositionEncodingKind.Utf32:
        return len
    if encoding == types.PositionEncodingKind.Utf8:
        return lambda text: len(text) if text.isascii() else len(text.encode("utf-8"))
    # ASCII first: source code mostly is, and then every encoding counts characters.
    return lambda text: len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def text_placer(uri: str, text: str, units: Callable[[str], int]) -> Placer:
    """A placer for a plain text document; its lines are split only if a finding needs them."""
    lines: list[str] = []

    def place(line: int, column: int) -> tuple[str, types.Position]:
        if not lines:
            lines.extend(split_lines(text))
        return uri, position(lines, line - 1, column - 1, units)

    return place


def position(
    lines: Sequence[str], line: int, character: int, units: Callable[[str], int]
) -> types.Position:
    """LSP position of a 0-based line and 0-based character offset, clamped to the text."""
    if not lines:
        return types.Position(line=0, character=0)
    line = min(max(line, 0), len(lines) - 1)
    text = lines[line]
    return types.Position(line=line, character=units(text[: max(character, 0)]))


def cell_placer(
    locate: Callable[[int], tuple[str, int] | None],
    cell_lines: Callable[[str], Sequence[str]],
    units: Callable[[str], int],
    fallback_uri: str,
) -> Placer:
    """A placer for a notebook program: `locate` maps a 0-based program line to (cell URI,
    0-based cell line), `cell_lines` gives a cell's lines for the column conversion."""

    def place(line: int, column: int) -> tuple[str, types.Position]:
        located = locate(line - 1)
        if located is None:
            return fallback_uri, types.Position(line=0, character=0)
        uri, cell_line = located
        return uri, position(cell_lines(uri), cell_line, column - 1, units)

    return place
