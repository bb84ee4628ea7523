"""Shapes as evidence for the reuse rules: a layer called twice on one execution path (the flow
analysis found the reuse and reported LL101 or LL103) whose two inputs provably differ on the
axis its weights or statistics are sized by crashes on its first run. Such a finding becomes an
error, with the shapes in its message: LL101 stays LL101 (now an error), LL103 becomes LL102.
Where the shapes are equal or unknown, the finding is left as it was. An LL105 on the call a
reuse error already reports is dropped (one crash, one finding)."""

from __future__ import annotations

from dataclasses import replace

from layerlint.analysis.shapes.infer import CallShape, ModuleShapes
from layerlint.findings import Finding, Severity

_UPGRADED = {"LL101": ("LL101", "stateful-layer-reused"), "LL103": ("LL102", "weights-shape-mismatch")}


def _sites(shapes: ModuleShapes) -> dict[tuple[int, int], CallShape]:
    """The call recorded at each 1-based (line, character column) (the first one there); ASCII
    columns match `ast`'s."""
    sites: dict[tuple[int, int], CallShape] = {}
    for call in shapes.calls:
        sites.setdefault((call.line, call.column + 1), call)
    return sites


def with_shape_evidence(findings: list[Finding], shapes: ModuleShapes) -> list[Finding]:
    """The findings, LL101/LL103 made errors where the shapes prove the crash."""
    upgraded = []
    sites: dict[tuple[int, int], CallShape] | None = None
    for finding in findings:
        target = _UPGRADED.get(finding.code)
        if target is None or finding.severity == Severity.ERROR or not finding.related:
            upgraded.append(finding)
            continue
        if sites is None:
            sites = _sites(shapes)
        second = sites.get((finding.span.line, finding.span.column))
        first_span = finding.related[0].span
        first = sites.get((first_span.line, first_span.column))
        if first is None or second is None or first.bound_axis is None:
            upgraded.append(finding)
            continue
        before, after = first.bound_dim, second.bound_dim
        if before is None or after is None or before == after:
            upgraded.append(finding)
            continue
        code, name = target
        what = "statistics" if code == "LL101" else "weights"
        label = (finding.message.split(" is called again")[0]
                 if " is called again" in finding.message else f"`{second.layer}`")
        message = (
            f"{label} is called again here on an input of shape "
            f"{second.inputs[0].display()}, but its first call on line {first.line} built its "
            f"{what} for {first.inputs[0].display()}: axis {first.bound_axis} is {after} here and "
            f"{before} there. The model crashes on its first run (expected axis "
            f"{first.bound_axis} of input shape to have value {before}). Give each call its own "
            "layer."
        )
        upgraded.append(replace(finding, code=code, name=name, severity=Severity.ERROR,
                                message=message))
    # A reused layer fed an input it rejects: the reuse error says it with its fix (split the
    # layer); LL105 on the same call would say it twice.
    reuse_errors = {
        (finding.span.line, finding.span.column) for finding in upgraded
        if finding.code in ("LL101", "LL102") and finding.severity == Severity.ERROR
    }
    return [
        finding for finding in upgraded
        if not (finding.code == "LL105"
                and (finding.span.line, finding.span.column) in reuse_errors)
    ]
