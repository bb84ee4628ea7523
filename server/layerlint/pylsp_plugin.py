"""python-lsp-server (pylsp) plugin: layerlint's diagnostics and quick-fixes inside pylsp.

Editors that talk to one Python language server, JupyterLab among them, keep pylsp for
completion and hover; this plugin adds layerlint to it. pylsp finds plugins through the
`pylsp` entry point group and calls their pluggy hooks:

- `pylsp_lint` runs on open and on every (debounced) change: it returns our findings as
  diagnostics, carrying the fix proposals in `data` exactly like `layerlint serve` does;
- `pylsp_code_actions` runs when the cursor sits on diagnostics: it turns the proposals they
  carry back into quick-fixes whose edits replace only the changed lines.

pylsp lints an LSP notebook document as one temporary text document (its cells joined with
newlines) and maps the diagnostics back to cells; a code action then arrives for one cell, so
the fix runs on the joined cells and each changed cell gets its own edit. IPython-only lines
(`%magic`, `!shell`) are blanked before analysis, keeping every line number.

Settings: `pylsp.plugins.layerlint.enabled`, plus any `layerlint` setting (`select`,
`ignore`, `severity`, ...) under `pylsp.plugins.layerlint`, over `[tool.layerlint]` in the
nearest pyproject.toml.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import converters, types
from pylsp import hookimpl

from layerlint.analysis import analyse
from layerlint.config import (
    Settings,
    apply_overrides,
    find_pyproject,
    read_pyproject,
    validated_overrides,
)
from layerlint.fix_requests import FixRequest
from layerlint.fixes import FixError, apply_fix
from layerlint.jupyter_spec import notebook_path
from layerlint.lsp import convert
from layerlint.lsp.line_edit import line_range_edit
from layerlint.lsp.notebook_map import (
    NotebookProgram,
    blank_ipython_syntax,
    build_program,
    cell_line_label,
    is_joined_notebook,
    quoting_line_label,
    rewrite_cells,
)

PLUGIN_NAME = "layerlint"

logger = logging.getLogger(__name__)
_converter = converters.get_converter()
_utf16 = convert.units_counter(None)
"""pylsp speaks UTF-16 positions, the LSP default (it negotiates no other encoding)."""


@hookimpl
def pylsp_settings(config: Any) -> dict[str, Any]:
    return {"plugins": {PLUGIN_NAME: {"enabled": True}}}


@hookimpl
def pylsp_lint(config: Any, workspace: Any, document: Any, is_saved: bool) -> list[dict[str, Any]]:
    text = _analysable_text(document.source)
    path = _analysis_path(document.path)
    result = analyse(text, path=path, settings=_settings(config, path),
                     line_label=_line_label(workspace, document, text))
    place = convert.text_placer(document.uri, text, _utf16)
    diagnostics = []
    for finding in result.findings:
        _, diagnostic = convert.to_diagnostic(finding, place)
        diagnostics.append(_converter.unstructure(diagnostic))
    return diagnostics


@hookimpl
def pylsp_code_actions(
    config: Any, workspace: Any, document: Any, range: dict[str, Any], context: dict[str, Any]
) -> list[dict[str, Any]]:
    actions: dict[tuple[str, str, str], dict[str, Any]] = {}
    for raw in context.get("diagnostics") or []:
        diagnostic = _structure_diagnostic(raw)
        if diagnostic is None:
            continue
        for proposal in convert.fixes_from_diagnostic(diagnostic):
            identity = (proposal.title, proposal.kind, repr(sorted(proposal.data.items())))
            if identity in actions:
                actions[identity]["diagnostics"].append(raw)
                continue
            changes = _fix_changes(workspace, document, proposal)
            if changes:
                actions[identity] = {
                    "title": proposal.title,
                    "kind": types.CodeActionKind.QuickFix.value,
                    "diagnostics": [raw],
                    "edit": {"changes": changes},
                }
    return list(actions.values())


def _line_label(workspace: Any, document: Any, text: str) -> Callable[[int], str]:
    """How messages name other lines: "9 of cell 2" in an LSP notebook (pylsp lints its cells
    joined with newlines, as a document of a random name); the quoted code in JupyterLab's
    notebook as one document (`.virtual_documents/NAME.ipynb`), whose cell boundaries are
    unknown; the line number elsewhere."""
    program = _linted_notebook(workspace, document.source)
    if program is not None:
        return cell_line_label(program)
    return quoting_line_label(text) if is_joined_notebook(document.path) else str


def _linted_notebook(workspace: Any, source: str) -> NotebookProgram | None:
    """The open LSP notebook whose cells, joined with newlines, are `source`."""
    documents = getattr(workspace, "documents", None)
    for candidate in (documents or {}).values():
        if not hasattr(candidate, "cells"):
            continue
        cells = _notebook_cells(workspace, candidate)
        if cells and "\n".join(text for _, text in cells) == source:
            return build_program(cells)
    return None


def _settings(config: Any, path: str | None) -> Settings:
    """`[tool.layerlint]` of the nearest pyproject.toml, overridden by the pylsp settings."""
    pyproject = find_pyproject(Path(path).resolve()) if path else None
    base, problems = read_pyproject(pyproject) if pyproject else (Settings(), [])
    plugin = config.plugin_settings(PLUGIN_NAME, document_path=path) or {}
    overrides, plugin_problems = validated_overrides(plugin, "pylsp.plugins.layerlint")
    for problem in [*problems, *plugin_problems]:  # invalid values fall back to the defaults
        logger.warning("layerlint: %s (ignored)", problem.message())
    return apply_overrides(base, overrides)


def _analysis_path(document_path: str | None) -> str | None:
    """The path the analysis resolves workspace imports from (None for an unsaved buffer).

    JupyterLab names a notebook's virtual document after the notebook, under
    `.virtual_documents/`; its imports are relative to the notebook itself.
    """
    if not document_path:
        return None
    return notebook_path(document_path)


def _analysable_text(source: str) -> str:
    """`source` with IPython-only lines blanked, line by line (a joined notebook has several
    cells, so a `%%cell_magic` may sit on any line)."""
    if "%" not in source and "!" not in source and "?" not in source:
        return source
    return "\n".join(blank_ipython_syntax(line) for line in source.split("\n"))


def _structure_diagnostic(raw: Any) -> types.Diagnostic | None:
    if not isinstance(raw, dict) or raw.get("source") != convert.SOURCE:
        return None
    try:
        return _converter.structure(raw, types.Diagnostic)
    except Exception:  # a client may echo a diagnostic in a shape we do not know
        return None


def _fix_changes(workspace: Any, document: Any, proposal: FixRequest) -> dict[str, list[dict]]:
    """`WorkspaceEdit.changes` that carry out `proposal` on the document as it is now."""
    try:
        cells = _cell_document_cells(workspace, document)
        if cells is None:
            return _text_changes(document.uri, document.source, proposal)
        return _cell_changes(cells, proposal)
    except FixError as error:
        logger.info("layerlint: fix %r not applicable to %s: %s", proposal.title, document.uri, error)
    except Exception:  # a bug in one fix must not fail pylsp's whole code action request
        logger.exception("layerlint: fix %r failed on %s", proposal.title, document.uri)
    return {}


def _text_changes(uri: str, source: str, proposal: FixRequest) -> dict[str, list[dict]]:
    edit = line_range_edit(source, apply_fix(source, proposal), _utf16)
    return {uri: [_converter.unstructure(edit)]} if edit is not None else {}


def _cell_document_cells(workspace: Any, document: Any) -> list[tuple[str, str]] | None:
    """(URI, text) of every cell of the notebook `document` is a cell of (None: not a cell)."""
    notebook_uri = getattr(document, "notebook_uri", None)
    if notebook_uri is None:
        return None
    notebook = workspace.get_maybe_document(notebook_uri)
    if notebook is None or not hasattr(notebook, "cells"):
        return None
    return _notebook_cells(workspace, notebook)


def _notebook_cells(workspace: Any, notebook: Any) -> list[tuple[str, str]]:
    """(URI, text) of every cell of a pylsp notebook document, in order."""
    cells = []
    for cell in notebook.cells:
        cell_document = workspace.get_cell_document(cell["document"])
        cells.append((cell_document.uri, cell_document.source))
    return cells


def _cell_changes(cells: list[tuple[str, str]], proposal: FixRequest) -> dict[str, list[dict]]:
    # pylsp joins a notebook's cells with newlines to lint it, as `build_program` does, so
    # the proposal (computed on that text) applies to the same program here.
    program = build_program(cells)
    new_cells = rewrite_cells(program, apply_fix(program.text, proposal))
    if new_cells is None:
        raise FixError("the fix would change lines across cells or over an IPython magic")
    changes = {}
    for index, new_text in new_cells.items():
        uri, old_text = cells[index]
        edit = line_range_edit(old_text, new_text, _utf16)
        if edit is not None:
            changes[uri] = [_converter.unstructure(edit)]
    return changes
