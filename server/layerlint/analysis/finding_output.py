"""How findings leave the engine: moved to module lines, suppressed, graded, labelled.

Rules report positions relative to their block; `shift` moves a finding (its span, related
places, line references in messages, and the line numbers its fixes carry) to where the block
sits now. `suppressed` reads `# layerlint: ignore[...]` comments; `with_severity` applies the
settings' severity overrides; `with_target` records which Keras a version-aware rule assumed;
`labelled` writes line references for the reader (`9 of cell 3` in a notebook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from layerlint.analysis import keras_target
from layerlint.analysis.facts import format_line_refs, shift_line_refs
from layerlint.analysis.frozen_copy import with_fields
from layerlint.analysis.rules import RULES
from layerlint.config import Settings
from layerlint.findings import Finding, Related, Span

SUPPRESS = "layerlint: ignore"


def _shift_span(span: Span, offset: int) -> Span:
    return Span(span.line + offset, span.column, span.end_line + offset, span.end_column)


def shift(finding: Finding, offset: int) -> Finding:
    if offset == 0:
        return _resolve_messages(finding, 0)
    # One copy (`with_fields`): every block below a paste or deletion moves its findings.
    return with_fields(
        finding,
        message=shift_line_refs(finding.message, offset),
        span=_shift_span(finding.span, offset),
        related=tuple(Related(_shift_span(item.span, offset), item.message)
                      for item in finding.related),
        fixes=tuple(fix.shifted(offset) for fix in finding.fixes),
    )


def _resolve_messages(finding: Finding, offset: int) -> Finding:
    if offset == 0:
        return finding
    return replace(
        finding,
        message=shift_line_refs(finding.message, offset),
        related=tuple(
            replace(item, message=shift_line_refs(item.message, offset)) for item in finding.related
        ),
    )


def labelled(finding: Finding, label: Callable[[int], str]) -> Finding:
    if "@@line:" not in finding.message and not any(
            "@@line:" in item.message for item in finding.related):
        return finding  # nothing to write
    return replace(
        finding,
        message=format_line_refs(finding.message, label),
        related=tuple(
            replace(item, message=format_line_refs(item.message, label)) for item in finding.related
        ),
    )


def suppressed(finding: Finding, lines: list[str]) -> bool:
    index = finding.span.line - 1
    if not 0 <= index < len(lines):
        return False
    line = lines[index]
    marker = line.find(SUPPRESS)
    if marker < 0:
        return False
    rest = line[marker + len(SUPPRESS):]
    if not rest.startswith("["):
        return True
    codes = rest[1:rest.find("]")] if "]" in rest else rest[1:]
    return any(finding.code.startswith(code.strip()) for code in codes.split(",") if code.strip())


def with_target(finding: Finding, target: keras_target.KerasTarget) -> Finding:
    """Findings of version-aware rules say which Keras they assumed (hover, JSON)."""
    if finding.code not in _VERSION_AWARE or finding.keras_target is target:
        return finding
    return replace(finding, keras_target=target)


_VERSION_AWARE = frozenset(rule.code for rule in RULES if rule.keras_version_aware)


def with_severity(finding: Finding, settings: Settings) -> Finding:
    severity = settings.severity_for(finding.code, finding.severity)
    return finding if severity == finding.severity else replace(finding, severity=severity)



_outputs: dict[tuple, Finding] = {}
_outputs_by_identity: dict[int, tuple[Finding, tuple, Finding]] = {}
"""id(finding) -> (the finding, the context it was output in, its output)."""
_MAX_OUTPUTS = 4096


def outputs(target: keras_target.KerasTarget, settings: Settings,
            label: Callable[[int], str]) -> Callable[[Finding], Finding]:
    """The function `finding -> labelled(with_severity(with_target(finding, target), settings),
    label)` of one analysis, remembering its results: a keystroke sends the same findings
    through it again (a dataclass copy and a message rewrite each). Keyed on everything the
    composition reads: the finding, the target with its overruled evidence (which takes no part
    in the target's equality) and the settings' severity overrides. Only for the plain line
    label (a notebook's is a new function per analysis: remembering would only fill the memo)."""

    def compose(finding: Finding) -> Finding:
        return labelled(with_severity(with_target(finding, target), settings), label)

    if label is not str:
        return compose
    try:
        context = (target, target.overruled, tuple(sorted(settings.severity.items())))
        hash(context)
    except TypeError:
        return compose

    def output(finding: Finding) -> Finding:
        # An unchanged block hands over the very finding objects of the previous keystroke:
        # known by identity, without hashing a finding (its fixes, its related places).
        held = _outputs_by_identity.get(id(finding))
        if held is not None and held[0] is finding and held[1] == context:
            return held[2]
        try:
            key = (finding, context)
            found = _outputs.get(key)
        except TypeError:  # a finding holding something unhashable: not remembered
            return compose(finding)
        if found is None:
            if len(_outputs) >= _MAX_OUTPUTS:
                _outputs.clear()
            found = _outputs[key] = compose(finding)
        if len(_outputs_by_identity) >= _MAX_OUTPUTS:
            _outputs_by_identity.clear()
        _outputs_by_identity[id(finding)] = (finding, context, found)
        return found

    return output
