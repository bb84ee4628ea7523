"""The shape trace in the editor: a command, a code lens, inlay hints, hover, and LL900.

- `workspace/executeCommand` `layerlint.traceShapes` with arguments `[uri, class name or
  {line, character} (optional), input shape (optional: `1,32,32,3`, `1,10:int32`, a list of
  ints, or several inputs as a list of shapes, a dict keyed by input name, or their JSON
  text; see `trace/input_spec.py`)]` runs the trace in a worker thread
  (the server keeps answering meanwhile), reports work-done progress, and stops the kernel run
  when the client cancels the progress or the request. It answers `{status, message, target,
  ...}`; `status: "needs_input_shape"` means the client should ask for a shape and run the
  command again with it.
- `textDocument/codeLens`: "Trace shapes" above each model class (a cheap `ast` pass).
- `textDocument/inlayHint`: the shapes at the end of each traced line.
- `textDocument/hover`: the full record of the call under the cursor.
- LL900 (trace-error) on the line where the run failed, merged into the published
  diagnostics through the session's `diagnostic_sources` hook.
Results are dropped when the traced code's text changes (`trace/staleness.py`). Tracing runs
the user's code: it happens only on this explicit command, never on open or edit. The server
itself never imports TensorFlow or torch: the trace runs in a separate kernel process.
"""

# No `from __future__ import annotations` here: it binds the name `annotations`, which in this
# module is `layerlint.trace.annotations` (a type checker takes the first binding).
import asyncio
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from layerlint.lsp import convert, publish, static_shapes
from layerlint.lsp.document_analysis import open_text_document
from layerlint.lsp.folder_settings import settings_for
from layerlint.lsp.session import LayerlintServer, StoredTrace, TraceState
from layerlint.trace import annotations, staleness, targets
from layerlint.trace.input_spec import InputSpec, parse_input_spec
from layerlint.trace.results import SourceSite, TraceResult

COMMAND = "layerlint.traceShapes"
CODE = "LL900"
NAME = "trace-error"


def register(server: LayerlintServer) -> None:
    server.command(COMMAND)(trace_shapes)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions())(code_lens)
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT,
                   types.InlayHintOptions(resolve_provider=False))(inlay_hints)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.state.diagnostic_sources.append(lambda uri: extra_diagnostics(server, uri))
    server.state.change_listeners.append(lambda uri: forget_if_stale(server, uri))
    server.state.change_listeners.append(lambda uri: lenses_after_open(server, uri))


def state_of(ls: LayerlintServer) -> TraceState:
    """The session's trace results and running traces (`SessionState.trace`)."""
    return ls.state.trace


# ---------------------------------------------------------------------------------------------
# the command


async def trace_shapes(ls: LayerlintServer, *args: Any) -> dict[str, Any]:
    try:
        uri, target, shape = _parse_arguments(args)
    except (TypeError, ValueError) as error:
        return {"status": "usage_error", "message": str(error)}
    document = open_text_document(ls, uri)
    if document is None:
        return {"status": "usage_error", "message": f"{uri} is not open"}
    if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
        return {"status": "usage_error",
                "message": "notebook cells: use `%load_ext layerlint` and `%layerlint_trace`"}
    text = document.source
    if isinstance(target, dict):
        target = targets.class_at(text, int(target.get("line", 0)) + 1)
    path = _document_path(uri)
    settings = settings_for(ls, path if uri.startswith("file:") else None)
    # Imported on the first trace: the runner's kernels and Jupyter gateway client (urllib,
    # http, TLS) are ~3 MiB that a server nobody traces with never needs.
    from layerlint.trace.runner import TraceRequest, kernel_choice, run_trace

    request = TraceRequest(path=path, target=target, input_shape=shape,
                           default_input_shape=settings.input_shape,
                           device=settings.trace_device, timeout=settings.trace_timeout,
                           python=settings.python, source=text, **kernel_choice(settings))
    state = state_of(ls)
    cancel = threading.Event()
    previous = state.running.pop(uri, None)
    if previous is not None:
        previous.set()  # a new trace of the same document replaces the running one
    state.running[uri] = cancel
    request_id = ls.protocol.msg_id  # this request's id (pygls keeps it per handler context)
    if request_id is not None:
        ls.state.cancel_listeners[request_id] = cancel.set
    token = None
    try:
        token = await _begin_progress(ls, f"Tracing {target or Path(path).name}", cancel)
        loop = asyncio.get_running_loop()

        def on_progress(message: str, percent: int) -> None:
            if token is not None:
                loop.call_soon_threadsafe(_report_progress, ls, token, message, percent)

        result = await asyncio.to_thread(run_trace, request, on_progress, cancel)
    except asyncio.CancelledError:  # pygls cancels the handler's task (server shutdown)
        cancel.set()
        raise
    finally:
        if request_id is not None:
            ls.state.cancel_listeners.pop(request_id, None)
        if state.running.get(uri) is cancel:
            del state.running[uri]
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    _store(ls, uri, text, path, result)
    return _answer(result)


def _parse_arguments(args: tuple[Any, ...]) -> tuple[str, Any, InputSpec | None]:
    if not args or not isinstance(args[0], str):
        raise TypeError("arguments: [document URI, class name or position?, input shape?]")
    target = args[1] if len(args) > 1 else None
    if target is not None and not isinstance(target, (str, dict)):
        raise TypeError("the second argument is a class name or a {line, character} position")
    shape_argument = args[2] if len(args) > 2 else None
    shape = parse_input_spec(shape_argument) if shape_argument not in (None, "", [], {}) else None
    return args[0], target or None, shape


def _document_path(uri: str) -> str:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if path:
        return path
    # Untitled buffers: the text is sent along; the name only labels frames and messages.
    import tempfile  # here: `tempfile` loads shutil, random, bz2 and lzma

    return str(Path(tempfile.gettempdir()) / f"layerlint-untitled-{abs(hash(uri))}.py")


async def _begin_progress(ls: LayerlintServer, title: str,
                          cancel: threading.Event) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"layerlint-trace-{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:  # the client refused a progress token: trace without one
        return None
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
        title=title, cancellable=True, message="starting", percentage=0))
    future = ls.work_done_progress.tokens.get(token)
    if future is not None:  # cancelled when the client presses the progress' cancel button
        future.add_done_callback(lambda done: cancel.set() if done.cancelled() else None)
    return token


def _report_progress(ls: LayerlintServer, token: str, message: str, percent: int) -> None:
    ls.work_done_progress.report(token, types.WorkDoneProgressReport(
        message=message, percentage=max(0, min(100, percent))))


def _store(ls: LayerlintServer, uri: str, text: str, path: str, result: TraceResult) -> None:
    state = state_of(ls)
    lines = [call.site.line for call in result.calls
             if annotations.same_file(call.site, path) and call.site is not None]
    error = annotations.error_site(result, path)
    if error is not None:
        lines.append(error.line)
    if not lines:
        state.traces.pop(uri, None)
    else:
        if result.target:
            lines.extend(item.line for item in targets.model_classes(text)
                         if item.name == result.target)
        state.traces[uri] = StoredTrace(result, staleness.anchor(text, lines), path)
    publish.refresh_diagnostics(ls, uri)
    _refresh_inlay_hints(ls)


def _answer(result: TraceResult) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "status": result.status, "target": result.target, "device": result.device,
        "framework": result.framework, "calls": len(result.calls),
        "inputShape": list(result.input_shape) if result.input_shape else None,
        "inputShapeSource": result.input_shape_source,
        "inputs": [{"name": item.name, "shape": list(item.shape), "dtype": item.dtype}
                   for item in result.inputs],
        "elapsed": result.elapsed_s, "kernelReused": result.kernel_reused,
    }
    if result.error is not None:
        from layerlint.trace.table import error_text

        answer["message"] = error_text(result).splitlines()[0]
        answer["error"] = {"type": result.error.type_name, "message": result.error.message,
                           "line": result.error.site.line if result.error.site else None}
    else:
        answer["message"] = f"traced {len(result.calls)} layer calls on {result.device}"
    return answer


def _refresh_inlay_hints(ls: LayerlintServer) -> None:
    workspace = ls.client_capabilities.workspace
    inlay = workspace.inlay_hint if workspace else None
    if inlay and inlay.refresh_support:
        ls.workspace_inlay_hint_refresh(None)


# ---------------------------------------------------------------------------------------------
# staleness


def current_trace(ls: LayerlintServer, uri: str) -> StoredTrace | None:
    """The stored trace if it still matches the open document (line map up to date)."""
    state = state_of(ls)
    stored = state.traces.get(uri)
    if stored is None:
        return None
    document = open_text_document(ls, uri)
    if document is None:
        state.traces.pop(uri, None)
        return None
    if stored.line_map is None or stored.checked_version != document.version:
        line_map = staleness.relocate(stored.anchor, document.source)
        if line_map is None:
            state.traces.pop(uri, None)
            return None
        stored.line_map, stored.checked_version = line_map, document.version
    return stored


def forget_if_stale(ls: LayerlintServer, uri: str) -> None:
    """Change listener: runs before the diagnostics of the edit are published."""
    current_trace(ls, uri)


# ---------------------------------------------------------------------------------------------
# surfaces


def extra_diagnostics(ls: LayerlintServer, uri: str) -> list[types.Diagnostic]:
    """LL900 for `uri`, for the diagnostics publisher to merge with the static ones."""
    stored = current_trace(ls, uri)
    if stored is None:
        return []
    site = annotations.error_site(stored.result, stored.path)
    error = stored.result.error
    if site is None or error is None or stored.line_map is None:
        return []
    line = stored.line_map(site.line)
    if line is None:
        return []
    document = open_text_document(ls, uri)
    lines = document.lines if document is not None else []
    end_line = stored.line_map(site.end_line) if site.end_line else None
    range_ = _range(ls, lines, line, site.column, end_line or line, site.end_column)
    layer = f" (layer {error.layer})" if error.layer else ""
    status = {"timeout": "trace timed out here", "cancelled": "trace was stopped here"}
    prefix = status.get(stored.result.status, f"trace: {error.type_name}{layer}")
    return [types.Diagnostic(
        range=range_, message=f"{prefix}: {error.message}", severity=types.DiagnosticSeverity.Error,
        code=CODE, code_description=types.CodeDescription(
            href=convert.RULE_DOC_URL.format(code=CODE)),
        source=convert.SOURCE,
        data={"name": NAME},
    )]


def code_lens(ls: LayerlintServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    document = open_text_document(ls, uri)
    if document is None:
        # The client asked before its didOpen arrived (a server starting beside open
        # editors): it will not ask again by itself, so ask it to once the document opens.
        state_of(ls).lenses_asked_early.add(uri)
        return []
    if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
        return []
    lenses = []
    for item in targets.model_classes(document.source):
        position = types.Position(line=item.line - 1, character=0)
        lenses.append(types.CodeLens(
            range=types.Range(start=position, end=position),
            command=types.Command(title="Trace shapes", command=COMMAND,
                                  arguments=[uri, item.name])))
    return lenses


def lenses_after_open(ls: LayerlintServer, uri: str) -> None:
    """A document whose code lenses were asked for too early is open now: have them asked again."""
    early = state_of(ls).lenses_asked_early
    if uri not in early or open_text_document(ls, uri) is None:
        return
    early.discard(uri)
    workspace = ls.client_capabilities.workspace
    code_lens = workspace.code_lens if workspace else None
    if code_lens and code_lens.refresh_support:
        ls.workspace_code_lens_refresh(None)


def _configured_input(ls: LayerlintServer, uri: str) -> tuple[int, ...] | None:
    """The configured input shape of the document's folder (static shapes use it for models
    whose input the code does not give)."""
    return settings_for(ls, _document_path(uri) if uri.startswith("file:") else None).input_shape


def inlay_hints(ls: LayerlintServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    uri = params.text_document.uri
    stored = current_trace(ls, uri)
    document = open_text_document(ls, uri)
    if document is not None and stored is None:
        return static_shapes.inlay_hints(ls, document.source, document.lines,
                                         params.range.start.line + 1, params.range.end.line + 1,
                                         _configured_input(ls, uri))
    if stored is None or document is None or stored.line_map is None:
        return []
    lines = document.lines
    first, last = params.range.start.line + 1, params.range.end.line + 1
    hints = []
    for note in annotations.line_notes(stored.result, stored.path):
        line = stored.line_map(note.line)
        if line is None or not first <= line <= last or line > len(lines):
            continue
        text = lines[line - 1].rstrip("\r\n")
        position = types.Position(line=line - 1,
                                  character=ls.workspace.position_codec.client_num_units(text))
        tooltip = "\n".join(f"{call.name} ({call.class_name}): {call.shapes_text()}"
                            for call in note.calls)
        hints.append(types.InlayHint(position=position, label=note.label,
                                     kind=types.InlayHintKind.Type, padding_left=True,
                                     tooltip=tooltip))
    return hints


def hover(ls: LayerlintServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    stored = current_trace(ls, uri)
    document = open_text_document(ls, uri)
    if document is not None and stored is None:
        return static_shapes.hover(document.source, params.position.line + 1,
                                   _configured_input(ls, uri))
    if stored is None or document is None or stored.line_map is None:
        return None
    lines = document.lines
    position = ls.workspace.position_codec.position_from_client_units(lines, params.position)
    for note in annotations.line_notes(stored.result, stored.path):
        if stored.line_map(note.line) != position.line + 1:
            continue
        calls = annotations.calls_at(note, position.character + 1)
        markdown = annotations.hover_markdown(calls, stored.result)
        site = calls[0].site if len(calls) == 1 else None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
            range=_site_range(ls, lines, site, position.line + 1) if site else None)
    return None


def _site_range(ls: LayerlintServer, lines: Sequence[str], site: SourceSite,
                line: int) -> types.Range | None:
    if site.column is None or site.end_column is None or site.end_line not in (None, site.line):
        return None
    return _range(ls, lines, line, site.column, line, site.end_column)


def _range(ls: LayerlintServer, lines: Sequence[str], line: int, column: int | None,
           end_line: int, end_column: int | None) -> types.Range:
    """1-based lines and character columns (None: the line's text) to an LSP range."""

    def position(line_number: int, column_number: int | None, at_end: bool) -> types.Position:
        index = min(max(line_number - 1, 0), max(len(lines) - 1, 0))
        text = lines[index].rstrip("\r\n") if lines else ""
        if column_number is None:
            character = len(text) if at_end else len(text) - len(text.lstrip())
        else:
            character = min(max(column_number - 1, 0), len(text))
        units = ls.workspace.position_codec.client_num_units(text[:character])
        return types.Position(line=index, character=units)

    return types.Range(start=position(line, column, False), end=position(end_line, end_column, True))
