"""One file's check, as `layerlint check` runs it in a worker process: text in, JSON records
out (the `--format json` objects without `path`), plus the workspace files the analysis
consulted (for the cache) and the fixes the records offer.

Records are plain JSON so they travel between processes and into the cache unchanged. A
notebook's records carry `cell` and `cell_line`, and so does each of their `related` entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layerlint.config import Settings
from layerlint.notebooks import NotebookError, notebook_program


@dataclass
class FileResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the file could not be checked (unreadable, not a notebook)."""


def check_text(text: str, path: str, settings: Settings) -> FileResult:
    from layerlint.analysis import analyse  # here: a warm run needs no analysis at all
    from layerlint.analysis.rules import fix_safety
    from layerlint.analysis.workspace import recorded_dependencies

    is_notebook = path.endswith(".ipynb")
    with recorded_dependencies() as dependencies:
        if is_notebook:
            try:
                program = notebook_program(text)
            except NotebookError as error:
                return FileResult(error=str(error))
            result = analyse(program.text, path=path, settings=settings,
                             line_label=lambda line: "{1} of cell {0}".format(*program.locate(line)))
        else:
            result = analyse(text, path=path, settings=settings)
    records = []
    for finding in result.findings:
        record = finding.to_json(path)
        del record["path"]
        for fix in record["fixes"]:
            fix["safety"] = fix_safety(finding.code)
        if is_notebook:
            record["cell"], record["cell_line"] = program.locate(finding.span.line)
            for related in record["related"]:
                related["cell"], related["cell_line"] = program.locate(related["line"])
        records.append(record)
    return FileResult(records, sorted(dependencies))
