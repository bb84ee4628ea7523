"""Quick-fixes (`textDocument/codeAction`, `codeAction/resolve`) from fix proposals.

Each of our diagnostics carries its fix proposals in `data` (see `convert.py`); a code action
request echoes the diagnostics at the cursor, so the actions are rebuilt from them without
analysing again. Running a fix means a libcst rewrite of the document, which is too slow to
do for every cursor move, so clients that can resolve an action's `edit` lazily get the edit
only when the user picks the action; others get it at once.

The edit replaces only the lines that changed (`line_edit.py`), as a versioned
`documentChanges` entry (so a client rejects it if the document moved on) or as plain
`changes` for clients without `documentChanges`. In a notebook the fix runs on the joined
program and each changed cell gets its own edit. A fix that raises `FixError` yields no edit
and a log message; when no fix can run at all (`FixUnavailable`: no libcst), resolving an
action also tells the user why.

Stale fixes are refused, never applied at old positions: a diagnostic echoed in a request
yields actions only if it is one of the diagnostics of the document as it is now (otherwise
the client gets the action disabled with the reason, when it supports that, and a log line);
a lazily resolved action carries the document's version(s) and gets no edit, with a
`window/showMessage` warning, when the document changed after the action was offered.

`source.fixAll.layerlint` (asked for by VS Code's `editor.codeActionsOnSave`, or any request
whose `only` names `source` or `source.fixAll`) applies every safe fix to a text document at
once, as `layerlint check --fix` does (`fix_loop`; each rule's record says whether its fix is safe).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lsprotocol import types

from layerlint.fix_loop import fix_text
from layerlint.fix_requests import FixRequest, parse_fix_request
from layerlint.fixes import FixError, FixUnavailable, apply_fix
from layerlint.lsp import convert, document_analysis
from layerlint.lsp.folder_settings import settings_for
from layerlint.lsp.line_edit import line_range_edit
from layerlint.lsp.notebook_map import rewrite_cells
from layerlint.lsp.session import LayerlintServer

logger = logging.getLogger(__name__)

QUICK_FIX = types.CodeActionKind.QuickFix
FIX_ALL = "source.fixAll.layerlint"
OPTIONS = types.CodeActionOptions(code_action_kinds=[QUICK_FIX, FIX_ALL], resolve_provider=True)

DocumentEdit = tuple[str, int | None, types.TextEdit]
"""(URI, version, edit) of one document touched by a fix."""


def register(server: LayerlintServer) -> None:
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, OPTIONS)(code_actions)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve_code_action)


def code_actions(
    ls: LayerlintServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    actions = quick_fixes(ls, params) or []
    if _wants_kind(params.context.only, FIX_ALL, by_default=False):
        fix_all = fix_all_action(ls, params.text_document.uri)
        if fix_all is not None:
            actions.append(fix_all)
    return actions or None


def fix_all_action(ls: LayerlintServer, uri: str) -> types.CodeAction | None:
    """One action that applies every safe fix to the text document (none for notebooks)."""
    if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
        return None
    document = document_analysis.open_text_document(ls, uri)
    if document is None:
        return None
    try:
        outcome = fix_text(document.source, path=document.path,
                           settings=settings_for(ls, document.path))
    except Exception as error:  # a bug in a fix must not fail the whole request
        logger.exception("fix all crashed")
        _log(ls, f"layerlint: fixing all of {uri} failed: {error!r}")
        return None
    edit = line_range_edit(document.source, outcome.text,
                           convert.units_counter(ls.workspace.position_encoding))
    if edit is None:
        return None
    if _client_supports_document_changes(ls):
        workspace_edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=document.uri, version=document.version),
            edits=[edit])])
    else:
        workspace_edit = types.WorkspaceEdit(changes={document.uri: [edit]})
    return types.CodeAction(title="layerlint: fix all safe fixes", kind=FIX_ALL,
                            edit=workspace_edit)


def quick_fixes(
    ls: LayerlintServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    if not _wants_quick_fixes(params.context.only):
        return None
    uri = params.text_document.uri
    lazy = _client_resolves_edits(ls)
    actions: dict[tuple[str, str, str], types.CodeAction] = {}
    current = _current_diagnostics(ls, uri)
    for diagnostic in params.context.diagnostics:
        proposals = convert.fixes_from_diagnostic(diagnostic)
        if proposals and _identity(diagnostic) not in current:
            actions.update(_refused_as_stale(ls, uri, diagnostic, proposals))
            continue
        for proposal in proposals:
            identity = (proposal.title, proposal.kind, repr(sorted(proposal.data.items())))
            if identity in actions:
                actions[identity].diagnostics = [*(actions[identity].diagnostics or []), diagnostic]
                continue
            action = types.CodeAction(
                title=proposal.title,
                kind=QUICK_FIX,
                diagnostics=[diagnostic],
                is_preferred=True if len(proposals) == 1 else None,
                data={"uri": uri, "fix": convert.fixes_to_data([proposal])[0],
                      "version": _version_stamp(ls, uri)},
            )
            if not lazy:
                action.edit = workspace_edit_for(ls, uri, proposal)
                if action.edit is None:
                    continue
            actions[identity] = action
    return list(actions.values()) or None


def resolve_code_action(ls: LayerlintServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    raw = data.get("fix")
    if action.edit is None and isinstance(raw, dict) and "uri" in data:
        if "version" in data and data["version"] != _version_stamp(ls, data["uri"]):
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"layerlint: not applied: the document changed after the quick-fix "
                f"{raw.get('title')!r} was offered. Ask for it again on the new text."))
            return action
        try:
            proposal = parse_fix_request(str(raw.get("kind")), raw.get("data"), str(raw.get("title")))
        except FixError as error:
            _log(ls, f"layerlint: fix {raw.get('title')!r} not applicable: {error}")
            return action
        action.edit = workspace_edit_for(ls, data["uri"], proposal, tell_user=True)
    return action


def _identity(diagnostic: types.Diagnostic) -> tuple[Any, ...]:
    """What makes two of our diagnostics the same finding at the same place (with JSON data,
    so a diagnostic that went to the client and back compares equal)."""
    range_ = diagnostic.range
    return (range_.start.line, range_.start.character, range_.end.line, range_.end.character,
            str(diagnostic.code), diagnostic.message,
            json.dumps(diagnostic.data, sort_keys=True, default=str))


def _current_diagnostics(ls: LayerlintServer, uri: str) -> set[tuple[Any, ...]]:
    """Identities of the document's diagnostics for its current version (empty when it is
    not open, or when its analysis crashed and only an older result is left)."""
    result, fresh = document_analysis.current_result(ls, document_analysis.owner_key(ls, uri))
    if result is None or not fresh:
        return set()
    return {_identity(diagnostic) for diagnostic in result.diagnostics.get(uri, [])}


def _refused_as_stale(
    ls: LayerlintServer, uri: str, diagnostic: types.Diagnostic, proposals: list[FixRequest]
) -> dict[tuple[str, str, str], types.CodeAction]:
    """A diagnostic from an older version: its fixes' positions are stale, so none is offered
    (shown disabled with the reason to clients that support it)."""
    reason = "the document changed since this diagnostic was computed; wait for it to update"
    _log(ls, f"layerlint: quick-fix {proposals[0].title!r} not offered for {uri}: {reason}")
    if not _client_shows_disabled_actions(ls):
        return {}
    return {
        (proposal.title, proposal.kind, "stale"): types.CodeAction(
            title=proposal.title, kind=QUICK_FIX, diagnostics=[diagnostic],
            disabled=types.CodeActionDisabled(reason=reason))
        for proposal in proposals
    }


def _version_stamp(ls: LayerlintServer, uri: str) -> list[Any] | None:
    """The version(s) a fix for `uri` depends on: the document's, or for a notebook cell the
    notebook's and every cell's (a fix may edit other cells)."""
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    if notebook is not None:
        cells = document_analysis.notebook_cells(ls, notebook)
        return [notebook.version, *([cell.uri, cell.version] for cell in cells)]
    document = document_analysis.open_text_document(ls, uri)
    return [document.version] if document is not None else None


def _client_shows_disabled_actions(ls: LayerlintServer) -> bool:
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    return bool(code_action and code_action.disabled_support)


def workspace_edit_for(
    ls: LayerlintServer, uri: str, proposal: FixRequest, tell_user: bool = False
) -> types.WorkspaceEdit | None:
    """The edit that applies `proposal` to the document (or notebook) at `uri` as it is now."""
    try:
        edits = _document_edits(ls, uri, proposal)
    except FixUnavailable as error:
        _log(ls, f"layerlint: fix {proposal.title!r}: {error}")
        if tell_user:
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning, message=f"layerlint: {error}"))
        return None
    except FixError as error:
        _log(ls, f"layerlint: fix {proposal.title!r} not applicable to {uri}: {error}")
        return None
    except Exception as error:  # a bug in a fix must not fail the whole request
        logger.exception("fix %r crashed", proposal.title)
        _log(ls, f"layerlint: fix {proposal.title!r} failed on {uri}: {error!r}")
        return None
    if not edits:
        return None
    if _client_supports_document_changes(ls):
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=edit_uri, version=version
                    ),
                    edits=[edit],
                )
                for edit_uri, version, edit in edits
            ]
        )
    return types.WorkspaceEdit(changes={edit_uri: [edit] for edit_uri, _, edit in edits})


def _document_edits(ls: LayerlintServer, uri: str, proposal: FixRequest) -> list[DocumentEdit]:
    units = convert.units_counter(ls.workspace.position_encoding)
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    if notebook is None:
        document = document_analysis.open_text_document(ls, uri)
        if document is None:
            return []
        edit = line_range_edit(document.source, apply_fix(document.source, proposal), units)
        return [(document.uri, document.version, edit)] if edit is not None else []
    cells = document_analysis.notebook_cells(ls, notebook)
    program = document_analysis.notebook_program(cells)
    new_cells = rewrite_cells(program, apply_fix(program.text, proposal))
    if new_cells is None:
        raise FixError("the fix would change lines across cells or over an IPython magic")
    edits = []
    for index, new_text in new_cells.items():
        cell = cells[index]
        edit = line_range_edit(cell.source, new_text, units)
        if edit is not None:
            edits.append((cell.uri, cell.version, edit))
    return edits


def _wants_quick_fixes(only: Any) -> bool:
    return _wants_kind(only, QUICK_FIX.value, by_default=True)


def _wants_kind(only: Any, kind: str, by_default: bool) -> bool:
    """Whether a request's `only` asks for `kind` (itself or a parent kind such as `source`)."""
    if not only:
        return by_default
    kinds = [str(getattr(item, "value", item)) for item in only]
    return any(kind == item or kind.startswith(f"{item}.") for item in kinds)


def _client_resolves_edits(ls: LayerlintServer) -> bool:
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in support.properties)


def _client_supports_document_changes(ls: LayerlintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    workspace_edit = workspace.workspace_edit if workspace else None
    return bool(workspace_edit and workspace_edit.document_changes)


def _log(ls: LayerlintServer, message: str) -> None:
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=message))
