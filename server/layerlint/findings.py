"""The finding: what every rule produces and every surface (CLI, LSP, pylsp) consumes.

Positions are 1-based lines and 1-based columns counted in characters (code points), the
convention of the `--format json` output. Each surface converts at its own edge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

# Annotations only: the bottom layer never imports the analysis at run time, and a warm
# `layerlint check` (Severity through the settings) does not build every fix-request class.
if TYPE_CHECKING:
    from layerlint.analysis.keras_target import KerasTarget
    from layerlint.fix_requests import FixRequest


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.HINT: 0,
    Severity.INFORMATION: 1,
    Severity.WARNING: 2,
    Severity.ERROR: 3,
}


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Related:
    """A second place a finding points at, such as the first call of a reused layer."""

    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    span: Span
    message: str
    related: tuple[Related, ...] = ()
    fixes: tuple[FixRequest, ...] = ()
    """Typed quick-fix requests (`layerlint.fix_requests`); `layerlint.fixes.apply_fix` carries
    one out."""
    keras_target: KerasTarget | None = field(default=None, compare=False)
    """The Keras the code was assumed to target, on findings of version-aware rules."""

    def sort_key(self) -> tuple[int, int, str]:
        return (self.span.line, self.span.column, self.code)

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "path": path,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "message": self.message,
            "related": [
                {**asdict(item.span), "message": item.message} for item in self.related
            ],
            "fixes": [{"title": fix.title, "kind": fix.kind} for fix in self.fixes],
            **({"keras_target": self.keras_target.to_json()} if self.keras_target else {}),
        }
