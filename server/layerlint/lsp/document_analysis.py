"""Analyse one open text document or notebook into diagnostics per URI, once per version.

The result is cached under a fingerprint of what it was computed from (document or notebook
version, the settings generation and, for a file, the generation of the project index), so
push and pull diagnostics, and repeated pulls, share one analysis and can never disagree. A
crash in the analysis never escapes: it is logged with `window/logMessage`, shown once per
document with `window/showMessage`, and the last good result stays in place.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from layerlint import analysis
from layerlint.analysis import AnalysisResult, document_memory
from layerlint.lsp import convert, memory_release
from layerlint.lsp.folder_settings import settings_for
from layerlint.lsp.line_edit import split_lines
from layerlint.lsp.notebook_map import (
    NotebookProgram,
    build_program,
    cell_line_label,
    is_joined_notebook,
    locate,
    quoting_line_label,
)
from layerlint.lsp.session import DocumentResult, LayerlintServer
from layerlint.lsp.text_lines import document_lines

PYTHON = "python"


def owner_key(ls: LayerlintServer, uri: str) -> str:
    """The key a URI's diagnostics are computed under: its notebook's URI for a cell."""
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    return notebook.uri if notebook is not None else uri


def open_text_document(ls: LayerlintServer, uri: str) -> TextDocument | None:
    """The open document (None if the client has not opened it; never read from disk)."""
    return ls.workspace.text_documents.get(unquote(uri))


def notebook_cells(
    ls: LayerlintServer, notebook: types.NotebookDocument
) -> list[TextDocument]:
    """The open Python code cells of a notebook, in notebook order."""
    cells = []
    for cell in notebook.cells:
        if cell.kind != types.NotebookCellKind.Code:
            continue
        document = open_text_document(ls, cell.document)
        if document is not None and document.language_id in (None, PYTHON):
            cells.append(document)
    return cells


def notebook_program(cells: Sequence[TextDocument]) -> NotebookProgram:
    return build_program([(cell.uri, cell.source) for cell in cells])


def current_result(ls: LayerlintServer, key: str) -> tuple[DocumentResult | None, bool]:
    """(result, fresh) for a document or notebook key; fresh is False when the analysis of
    the current version crashed and the last good result is returned instead."""
    notebook = ls.workspace.get_notebook_document(notebook_uri=key)
    document = None if notebook is not None else open_text_document(ls, key)
    if notebook is None and (document is None or document.language_id not in (None, PYTHON)):
        return None, True
    cells = notebook_cells(ls, notebook) if notebook is not None else []
    fingerprint = _fingerprint(ls, notebook, document, cells)
    cached = ls.state.results.get(key)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached, True
    try:
        if notebook is not None:
            result = _analyse_notebook(ls, notebook, cells, fingerprint)
        else:
            assert document is not None
            result = _analyse_text_document(ls, document, fingerprint, cached)
    except Exception as error:  # an analysis bug must never take the server down
        _report_crash(ls, key, error)
        return cached, False
    if cached is None:
        settle_memory()
    ls.state.results[key] = result
    return result, True


def settle_memory() -> None:
    """After a document's first analysis: collect once, then exempt what survived from future
    cyclic-GC passes. The analysis caches hold millions of AST nodes on a large file, and a full
    collection scanning them stalls the next keystroke by up to a second (measured: 0.75 s on a
    100,000-line file); frozen objects are still freed by reference counting when evicted."""
    gc.collect()
    gc.freeze()
    memory_release.return_free_pages()  # the first analysis' transient peak


def forget(ls: LayerlintServer, key: str) -> None:
    ls.state.results.pop(key, None)
    ls.state.crash_reported.discard(key)


def forget_closed(ls: LayerlintServer, key: str) -> None:
    """After a close: also what the analysis kept between versions of the document."""
    forget(ls, key)
    path = to_fs_path(key)
    if path:
        document_memory.forget_document(path)


def _fingerprint(
    ls: LayerlintServer,
    notebook: types.NotebookDocument | None,
    document: TextDocument | None,
    cells: Sequence[TextDocument],
) -> tuple[object, ...]:
    generation = ls.state.settings_generation
    if notebook is not None:
        # Cell versions too: a cell can be added or edited without a client bumping the
        # notebook's own version.
        return (notebook.version, tuple((cell.uri, cell.version) for cell in cells), generation)
    assert document is not None
    return (document.version, generation, ls.state.project.generation)


def _analyse_text_document(
    ls: LayerlintServer,
    document: TextDocument,
    fingerprint: tuple[object, ...],
    previous: DocumentResult | None,
) -> DocumentResult:
    path = to_fs_path(document.uri)
    settings = settings_for(ls, path)
    text = document.source
    # JupyterLab's notebook as one document: name lines by their code, not the concatenation.
    label = quoting_line_label(text) if is_joined_notebook(path) else str
    outcome = analysis.analyse(text, path=path, settings=settings, line_label=label)
    units = convert.units_counter(ls.workspace.position_encoding)
    lines = (document_lines(text, path) if outcome.findings or outcome.syntax_problems
             else [])
    built = _diagnostics_of(outcome, document.uri, lines, units, previous.built if previous else {})
    diagnostics = {document.uri: [diagnostic for _, (_, diagnostic) in built]}
    syntax = (convert.syntax_diagnostic(outcome.syntax_problems, _placer(document.uri, lines, units))
              if settings.is_enabled(convert.SYNTAX_CODE) else None)
    if syntax is not None:
        diagnostics[document.uri].append(syntax[1])
    return DocumentResult(fingerprint, diagnostics, {document.uri: document.version},
                          reusable(built))


Built = tuple[tuple[tuple[int, str], ...], types.Diagnostic]
"""(the lines a finding's placement read, as (0-based index, text); its diagnostic)."""


def _diagnostics_of(outcome: AnalysisResult, uri: str, lines: Sequence[str], units: convert.Units,
                    previous: dict[int, tuple[Any, Built]]) -> list[tuple[Any, Built]]:
    """Each finding's diagnostic, in order; the previous version's when the finding is equal and
    the lines its placement read are too (a keystroke changes a few findings of many). The
    findings of unchanged blocks are the previous version's objects: found by identity, without
    hashing a finding (its fixes and related places) twice per keystroke."""
    built: list[tuple[Any, Built]] = []
    by_place: dict[tuple, list[tuple[Any, Built]]] | None = None
    for finding in sorted(outcome.findings, key=lambda finding: finding.sort_key()):
        held = previous.get(id(finding))
        known = held[1] if held is not None and held[0] is finding else None
        if known is None and previous:
            if by_place is None:
                by_place = {}
                for other, entry in previous.values():
                    by_place.setdefault(other.sort_key(), []).append((other, entry))
            known = next((entry for other, entry in by_place.get(finding.sort_key(), ())
                          if other == finding), None)
        if known is None or not all(index < len(lines) and lines[index] == line
                                    for index, line in known[0]):
            known = _built(finding, uri, lines, units)
        built.append((finding, known))
    return built


def reusable(built: list[tuple[Any, Built]]) -> dict[int, tuple[Any, Built]]:
    """What the next version's `_diagnostics_of` may reuse of these diagnostics: those whose
    placement read lines of the text, by their finding's identity."""
    return {id(finding): (finding, entry) for finding, entry in built if entry[0]}


def _built(finding: Any, uri: str, lines: Sequence[str], units: convert.Units) -> Built:
    """A finding's diagnostic, and the lines placing it read (none when a place fell outside
    the text and was clamped: then it is not reused)."""
    read: list[tuple[int, str]] = []
    inside = True

    def place(line: int, column: int) -> tuple[str, types.Position]:
        nonlocal inside
        index = line - 1
        if 0 <= index < len(lines):
            read.append((index, lines[index]))
        else:
            inside = False
        return uri, convert.position(lines, index, column - 1, units)

    _, diagnostic = convert.to_diagnostic(finding, place)
    return (tuple(read) if inside else ()), diagnostic


def _placer(uri: str, lines: Sequence[str], units: convert.Units) -> convert.Placer:
    return lambda line, column: (uri, convert.position(lines, line - 1, column - 1, units))


def _analyse_notebook(
    ls: LayerlintServer,
    notebook: types.NotebookDocument,
    cells: Sequence[TextDocument],
    fingerprint: tuple[object, ...],
) -> DocumentResult:
    path = to_fs_path(notebook.uri)
    settings = settings_for(ls, path)
    program = notebook_program(cells)

    outcome = analysis.analyse(program.text, path=path, settings=settings,
                               line_label=cell_line_label(program))
    cell_lines = {cell.uri: split_lines(cell.source) for cell in cells}

    def locate_cell(program_line: int) -> tuple[str, int] | None:
        located = locate(program, program_line)
        if located is None:
            return None
        return program.cells[located[0]].uri, located[1]

    place = convert.cell_placer(
        locate_cell,
        lambda uri: cell_lines[uri],
        convert.units_counter(ls.workspace.position_encoding),
        fallback_uri=cells[0].uri if cells else notebook.uri,
    )
    diagnostics: dict[str, list[types.Diagnostic]] = {cell.uri: [] for cell in cells}
    _collect(diagnostics, outcome, place, settings.is_enabled(convert.SYNTAX_CODE))
    versions = {cell.uri: cell.version for cell in cells}
    return DocumentResult(fingerprint, diagnostics, versions)


def _collect(
    diagnostics: dict[str, list[types.Diagnostic]],
    outcome: AnalysisResult,
    place: convert.Placer,
    include_syntax: bool,
) -> None:
    for finding in sorted(outcome.findings, key=lambda finding: finding.sort_key()):
        uri, diagnostic = convert.to_diagnostic(finding, place)
        diagnostics.setdefault(uri, []).append(diagnostic)
    syntax = convert.syntax_diagnostic(outcome.syntax_problems, place) if include_syntax else None
    if syntax is not None:
        diagnostics.setdefault(syntax[0], []).append(syntax[1])


def _report_crash(ls: LayerlintServer, key: str, error: Exception) -> None:
    ls.window_log_message(
        types.LogMessageParams(
            type=types.MessageType.Error,
            message=f"layerlint: analysing {key} failed; keeping the last diagnostics.\n"
            + "".join(traceback.format_exception(error)),
        )
    )
    if key in ls.state.crash_reported:
        return
    ls.state.crash_reported.add(key)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Warning,
            message=f"layerlint could not analyse this file ({type(error).__name__}: {error}). "
            "Its last diagnostics stay shown; details are in the layerlint output.",
        )
    )
