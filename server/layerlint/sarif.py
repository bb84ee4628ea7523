"""SARIF 2.1.0 output for `layerlint check --format sarif` (GitHub code scanning and other CI
viewers), built from the same JSON records as `--format json`."""

from __future__ import annotations

from typing import Any

from layerlint import __version__
from layerlint.analysis.rules import RULES

_LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
_DOCS = "https://github.com/layerlint/layerlint/blob/main/docs/rules/{code}.md"


def to_sarif(records: list[dict[str, Any]]) -> dict[str, Any]:
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "helpUri": _DOCS.format(code=rule.code),
            "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
        }
        for rule in RULES
    ]
    results = [
        {
            "ruleId": record["code"],
            "level": _LEVELS[record["severity"]],
            "message": {"text": record["message"]},
            "locations": [_location(record["path"], record)],
            "relatedLocations": [
                {**_location(record["path"], related), "message": {"text": related["message"]}}
                for related in record.get("related", [])
            ],
        }
        for record in records
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "layerlint", "version": __version__, "rules": rules}},
            "results": results,
        }],
    }


def _location(path: str, span: dict[str, Any]) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {
                "startLine": span["line"], "startColumn": span["column"],
                "endLine": span["end_line"], "endColumn": span["end_column"],
            },
        }
    }
