"""Findings on their way out: moved to module lines, suppressed by comments, graded by
settings, labelled for notebooks, and stamped with the Keras target of version-aware rules."""

from layerlint.analysis import keras_target
from layerlint.analysis.facts import line_ref
from layerlint.analysis.finding_output import (
    labelled,
    outputs,
    shift,
    suppressed,
    with_severity,
    with_target,
)
from layerlint.config import Settings
from layerlint.findings import Finding, Related, Severity, Span
from layerlint.fix_requests import SplitLayer


def _finding(code: str = "LL101", line: int = 3, message: str = "reused") -> Finding:
    fix = SplitLayer(title="Split bn", scope="variable", class_name=None, function_name=None,
                     name="bn", new_names=("bn_1", "bn_2"), definition_line=2,
                     call_sites=((3, 16), (3, 24)))
    return Finding(code, "name", Severity.WARNING, Span(line, 1, line, 9), message,
                   (Related(Span(2, 1, 2, 5), f"defined on line {line_ref(2)}"),), (fix,))


def test_shift_moves_spans_related_places_line_references_and_fix_lines():
    moved = shift(_finding(message=f"first called on line {line_ref(3)}"), 10)
    assert (moved.span.line, moved.span.end_line) == (13, 13)
    assert moved.related[0].span.line == 12
    assert moved.message == f"first called on line {line_ref(13)}"
    data = moved.fixes[0].data
    assert data["definition_line"] == 12 and data["call_sites"] == [[13, 16], [13, 24]]
    assert data["name"] == "bn"


def test_shift_is_one_copy_of_what_replacing_each_part_gives():
    from dataclasses import replace

    from layerlint.analysis.facts import shift_line_refs

    finding = _finding(message=f"first called on line {line_ref(3)}")
    expected = replace(
        finding, message=shift_line_refs(finding.message, 7), span=Span(10, 1, 10, 9),
        related=tuple(replace(item, span=Span(9, 1, 9, 5)) for item in finding.related),
        fixes=tuple(fix.shifted(7) for fix in finding.fixes))
    moved = shift(finding, 7)
    assert moved == expected and moved.keras_target == expected.keras_target
    assert finding.span.line == 3  # the finding shifted is left as it was


def test_shift_by_zero_returns_the_finding_as_it_is():
    finding = _finding()
    assert shift(finding, 0) is finding


def test_labelled_writes_line_references_with_the_label():
    finding = labelled(_finding(message=f"see line {line_ref(7)}"), lambda line: f"{line} of cell 2")
    assert finding.message == "see line 7 of cell 2"
    assert finding.related[0].message == "defined on line 2 of cell 2"


def test_suppression_comments_silence_all_codes_or_the_listed_prefixes():
    lines = ["", "", "x = bn(bn(x))  # layerlint: ignore"]
    assert suppressed(_finding(), lines)
    assert suppressed(_finding(), ["", "", "x  # layerlint: ignore[LL1]"])
    assert suppressed(_finding(), ["", "", "x  # layerlint: ignore[LL104, LL101]"])
    assert not suppressed(_finding(), ["", "", "x  # layerlint: ignore[LL2]"])
    assert not suppressed(_finding(), ["", "", "x"])
    assert not suppressed(_finding(line=9), lines)


def test_with_severity_applies_the_settings_override():
    assert with_severity(_finding(), Settings(severity={"LL101": "hint"})).severity is Severity.HINT
    finding = _finding()
    assert with_severity(finding, Settings()) is finding


def test_only_version_aware_rules_say_which_keras_they_assumed():
    target = keras_target.UNKNOWN
    assert with_target(_finding("LL204"), target).keras_target is target
    assert with_target(_finding("LL101"), target).keras_target is None


def test_output_remembered_equals_the_composition_it_stands_for():
    targets = [keras_target.KerasTarget(3), keras_target.KerasTarget(2, "2.15.0"),
               keras_target.KerasTarget(3, evidence=(), overruled=(
                   keras_target.Evidence(2, "pin", "tf-keras"),))]
    settings = [Settings(), Settings(severity={"LL101": Severity.ERROR})]
    findings = [_finding(code, line, f"first called on line {line_ref(line - 1)}")
                for code in ("LL101", "LL203") for line in (3, 7)]
    for _ in range(2):  # the second round reads the remembered ones
        for target in targets:
            for setting in settings:
                for finding in findings:
                    expected = labelled(with_severity(with_target(finding, target), setting), str)
                    got = outputs(target, setting, str)(finding)
                    assert got == expected
                    assert got.keras_target is None or got.keras_target.overruled == target.overruled
                    assert outputs(target, setting, str)(finding) is got  # remembered


def test_output_with_a_notebook_label_is_not_remembered():
    finding = _finding(message=f"first called on line {line_ref(2)}")
    for cell in (1, 2):
        output = outputs(keras_target.KerasTarget(3), Settings(), lambda n, c=cell: f"{n} of cell {c}")
        assert output(finding).message == f"first called on line 2 of cell {cell}"
