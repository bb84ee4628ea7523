"""The report of `layerlint check`, from the JSON records of every checked file: `text`,
`json`, `sarif`, `github` (workflow-command annotations), and `--statistics` (counts per code).

`files` is a list of (path as shown, records of that file) in the order the files were
discovered. Text follows that order, findings by line, column and code within a file; JSON and
SARIF are sorted by path, line, column and code. Both orders are the same whatever the number
of worker processes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

Files = list[tuple[str, list[dict[str, Any]]]]


def flat_records(files: Files) -> list[dict[str, Any]]:
    records = [{"path": path, **record} for path, file_records in files for record in file_records]
    records.sort(key=lambda r: (r["path"], r["line"], r["column"], r["code"]))
    return records


def render(files: Files, output_format: str, statistics: bool = False) -> str:
    if statistics:
        return _statistics(files, output_format)
    if output_format == "text":
        return "".join(_text_file(path, records) for path, records in files)
    if output_format == "github":
        return "".join(_github(record) + "\n" for record in flat_records(files))
    if output_format == "sarif":
        from layerlint.sarif import to_sarif

        return json.dumps(to_sarif(flat_records(files)), indent=2) + "\n"
    return json.dumps(flat_records(files), indent=2) + "\n"


def _location(path: str, place: dict[str, Any]) -> str:
    if "cell" in place:
        return f"{path}:cell {place['cell']}:{place['cell_line']}"
    return f"{path}:{place['line']}"


def _text_file(path: str, records: list[dict[str, Any]]) -> str:
    lines = []
    for record in sorted(records, key=lambda r: (r["line"], r["column"], r["code"])):
        lines.append(f"{_location(path, record)}:{record['column']}: {record['code']} "
                     f"[{record['severity']}] {record['message']}")
        for related in record["related"]:
            lines.append(f"    {_location(path, related)}:{related['column']}: {related['message']}")
        for fix in record["fixes"]:
            unsafe = " (unsafe fix: --unsafe-fixes)" if fix.get("safety") == "unsafe" else ""
            lines.append(f"    fix available: {fix['title']}{unsafe}")
    return "".join(line + "\n" for line in lines)


_GITHUB_LEVELS = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(record: dict[str, Any]) -> str:
    """`::error file=...,line=...::message`, which GitHub Actions shows on the diff."""
    title = "layerlint (" + record["code"] + ")"
    properties = [f"title={_escape_property(title)}",
                  f"file={_escape_property(record['path'])}"]
    if "cell" not in record:  # a notebook's lines are not lines of its .ipynb file
        properties += [f"line={record['line']}", f"col={record['column']}",
                       f"endLine={record['end_line']}", f"endColumn={record['end_column']}"]
    where = _location(record["path"], record)
    message = f"{where}:{record['column']}: {record['code']} {record['message']}"
    return f"::{_GITHUB_LEVELS[record['severity']]} {','.join(properties)}::{_escape_data(message)}"


def _statistics(files: Files, output_format: str) -> str:
    records = [record for _, file_records in files for record in file_records]
    counts = Counter(record["code"] for record in records)
    names = {record["code"]: record["name"] for record in records}
    fixable = {record["code"] for record in records
               if any(fix.get("safety") == "safe" for fix in record["fixes"])}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        return json.dumps([{"code": code, "name": names[code], "count": count,
                            "fixable": code in fixable} for code, count in rows], indent=2) + "\n"
    width = max((len(str(count)) for _, count in rows), default=1)
    return "".join(
        f"{count:>{width}}\t{code}\t{'[*] ' if code in fixable else '    '}{names[code]}\n"
        for code, count in rows
    )
