"""Rendering a trace result as a table like `model.summary()`, but with source lines:
`file:line  layer (Class)  input -> output  params`, as text (CLI, text repr) or HTML (the
notebook magic). Nested calls are indented under their parent.
"""

from __future__ import annotations

import html
import os

from layerlint.trace.results import LayerCall, SourceSite, TraceResult

HEADERS = ("location", "layer (class)", "input -> output", "params")


def render_text(result: TraceResult, show_code: bool = False) -> str:
    lines = [headline(result)]
    if result.calls:
        rows = [_row(call, show_code) for call in result.calls]
        headers = (*HEADERS, "code") if show_code else HEADERS
        widths = [max(len(headers[i]), *(len(row[i]) for row in rows))
                  for i in range(len(headers))]
        lines.append(_format_row(headers, widths))
        lines.append("  ".join("-" * width for width in widths))
        lines.extend(_format_row(row, widths) for row in rows)
    message = error_text(result)
    if message:
        lines.append(message)
    return "\n".join(lines) + "\n"


def render_html(result: TraceResult) -> str:
    escape = html.escape
    parts = [f"<div class='layerlint-trace'><p><b>{escape(headline(result))}</b></p>"]
    if result.calls:
        parts.append("<table><thead><tr>")
        parts.extend(f"<th style='text-align:left'>{escape(title)}</th>"
                     for title in (*HEADERS, "code"))
        parts.append("</tr></thead><tbody>")
        for call in result.calls:
            location, layer, shapes, params, code = _row(call, show_code=True)
            style = " style='color:#c00'" if call.failed else ""
            parts.append(
                f"<tr{style}><td>{escape(location)}</td>"
                f"<td style='text-align:left'><code>{escape(layer)}</code></td>"
                f"<td style='text-align:left'><code>{escape(shapes)}</code></td>"
                f"<td>{escape(params)}</td>"
                f"<td style='text-align:left'><code>{escape(code)}</code></td></tr>")
        parts.append("</tbody></table>")
    message = error_text(result)
    if message:
        parts.append(f"<pre style='color:#c00'>{escape(message)}</pre>")
    parts.append("</div>")
    return "".join(parts)


def headline(result: TraceResult) -> str:
    bits = [f"trace of {result.target or os.path.basename(result.path) or 'model'}"]
    if len(result.inputs) > 1:
        shape = "inputs " + ", ".join(
            (f"{item.name}=" if item.name else "") + f"{tuple(item.shape)!r} {item.dtype}"
            for item in result.inputs)
        if result.input_shape_source:
            shape += f" (from {result.input_shape_source})"
        bits.append(shape)
    elif result.input_shape is not None:
        shape = f"input {tuple(result.input_shape)!r}"
        if result.inputs and result.inputs[0].dtype != "float32":
            shape += f" {result.inputs[0].dtype}"
        if result.input_shape_source:
            shape += f" (from {result.input_shape_source})"
        bits.append(shape)
    if result.framework:
        bits.append(result.framework)
    if result.device:
        bits.append(f"device {result.device}")
    if result.calls:
        bits.append(f"{len(result.calls)} layer calls")
    if result.elapsed_s is not None:
        bits.append(f"{result.elapsed_s:.2f} s" + (" (warm kernel)" if result.kernel_reused
                                                     else ""))
    bits.append(result.status)
    return ", ".join(bits)


def error_text(result: TraceResult) -> str:
    error = result.error
    if error is None:
        return ""
    where = f"{location(error.site, with_column=True)}: " if error.site else ""
    layer = f" in layer {error.layer}" if error.layer else ""
    text = f"error: {where}{error.type_name}{layer}: {error.message}"
    if error.traceback:
        text += "\nuser traceback (most recent call last):\n" + error.traceback.rstrip()
    return text


def location(site: SourceSite | None, with_column: bool = False) -> str:
    if site is None:
        return "-"
    text = f"{_display_path(site.path)}:{site.line}"
    if with_column and site.column:
        text += f":{site.column}"
    return text


def format_params(params: int | None) -> str:
    return "-" if params is None else f"{params:,}"


def _row(call: LayerCall, show_code: bool) -> tuple[str, ...]:
    layer = "  " * call.depth + f"{call.name} ({call.class_name})"
    row = (location(call.site), layer, call.shapes_text(), format_params(call.params))
    if show_code:
        return (*row, call.site.code if call.site else "")
    return row


def _format_row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell.rjust(width) if index == 3 else cell.ljust(width)
              for index, (cell, width) in enumerate(zip(cells, widths, strict=True))]
    return "  ".join(padded).rstrip()


def _display_path(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative
