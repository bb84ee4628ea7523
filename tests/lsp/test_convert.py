"""Findings to diagnostics: positions, severity, rule link, related places, fix payload."""

from __future__ import annotations

from lsprotocol import types
from lsprotocol.converters import get_converter

from layerlint.analysis import SyntaxProblem
from layerlint.findings import Finding, Related, Severity, Span
from layerlint.fix_requests import SplitLayer
from layerlint.lsp import convert


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


TEXT = "x = 1\ns = '😀'; y = bn(x)\n"
FIX = SplitLayer(
    title="Split bn into bn_1/bn_2", scope="variable", class_name=None, function_name=None,
    name="bn", new_names=("bn_1", "bn_2"), definition_line=1, call_sites=((1, 5), (2, 14)),
)
FINDING = Finding(
    code="LL101",
    name="stateful-layer-reused",
    severity=Severity.WARNING,
    span=Span(2, 14, 2, 19),
    message="bn reused",
    related=(Related(Span(1, 1, 1, 2), "first call"),),
    fixes=(FIX,),
)


def test_finding_becomes_a_diagnostic_in_utf16_units() -> None:
    place = convert.text_placer("file:///m.py", TEXT, utf16)
    uri, diagnostic = convert.to_diagnostic(FINDING, place)
    assert uri == "file:///m.py"
    # Character 13 (0-based) comes after the emoji, which is two UTF-16 units.
    assert diagnostic.range == types.Range(
        start=types.Position(line=1, character=14), end=types.Position(line=1, character=19)
    )
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.source == "layerlint"
    assert diagnostic.code == "LL101"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/docs/rules/LL101.md")
    assert diagnostic.related_information is not None
    related = diagnostic.related_information[0]
    assert related.message == "first call"
    assert related.location.range.start == types.Position(line=0, character=0)


def test_fixes_survive_the_round_trip_through_json() -> None:
    place = convert.text_placer("file:///m.py", TEXT, len)
    _, diagnostic = convert.to_diagnostic(FINDING, place)
    converter = get_converter()
    echoed = converter.structure(converter.unstructure(diagnostic), types.Diagnostic)
    assert convert.fixes_from_diagnostic(echoed) == [FIX]


def test_a_fix_whose_data_does_not_read_back_is_left_out() -> None:
    place = convert.text_placer("file:///m.py", TEXT, len)
    _, diagnostic = convert.to_diagnostic(FINDING, place)
    broken = {"title": "t", "kind": "split-layer", "data": {"name": "bn"}}
    diagnostic.data = {**diagnostic.data, "fixes": [broken, *diagnostic.data["fixes"]]}
    assert convert.fixes_from_diagnostic(diagnostic) == [FIX]


def test_other_sources_carry_no_fixes() -> None:
    diagnostic = types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 1)),
        message="m",
        source="ruff",
        data={"fixes": [{"title": "t", "kind": "k"}]},
    )
    assert convert.fixes_from_diagnostic(diagnostic) == []


def test_every_severity_is_mapped() -> None:
    assert set(convert.SEVERITIES) == set(Severity)


def test_syntax_problems_become_one_hint() -> None:
    place = convert.text_placer("file:///m.py", TEXT, len)
    problems = [SyntaxProblem("invalid syntax", 2, 3), SyntaxProblem("unexpected EOF", 1, 1)]
    located = convert.syntax_diagnostic(problems, place)
    assert located is not None
    _, diagnostic = located
    assert diagnostic.code == "LL000"
    assert diagnostic.severity == types.DiagnosticSeverity.Hint
    assert diagnostic.range.start == types.Position(line=0, character=0)
    assert "unexpected EOF" in diagnostic.message and "1 more place" in diagnostic.message
    assert convert.syntax_diagnostic([], place) is None


def test_cell_placer_puts_related_places_in_their_own_cell() -> None:
    cells = {"cell:1": ["bn = BN()", "x = bn(a)"], "cell:2": ["y = bn(b)"]}

    def locate(program_line: int) -> tuple[str, int] | None:
        if program_line < 2:
            return "cell:1", program_line
        return ("cell:2", program_line - 2) if program_line == 2 else None

    place = convert.cell_placer(locate, cells.__getitem__, len, fallback_uri="cell:1")
    finding = Finding(
        code="LL101", name="n", severity=Severity.ERROR, span=Span(3, 5, 3, 7),
        message="m", related=(Related(Span(2, 5, 2, 7), "first"),),
    )
    uri, diagnostic = convert.to_diagnostic(finding, place)
    assert uri == "cell:2"
    assert diagnostic.range.start == types.Position(line=0, character=4)
    assert diagnostic.related_information is not None
    location = diagnostic.related_information[0].location
    assert (location.uri, location.range.start.line) == ("cell:1", 1)


def test_units_follow_the_negotiated_encoding() -> None:
    text = "s = '😀é'"
    assert convert.units_counter("utf-16")(text) == len(text) + 1  # the emoji takes two
    assert convert.units_counter(types.PositionEncodingKind.Utf16)(text) == len(text) + 1
    assert convert.units_counter("utf-8")(text) == len(text.encode("utf-8"))
    assert convert.units_counter("utf-32")(text) == len(text)
    assert convert.units_counter(None)("plain ascii") == len("plain ascii")


def test_a_version_aware_finding_says_which_keras_it_assumed() -> None:
    from dataclasses import replace

    from layerlint.analysis.keras_target import Evidence, KerasTarget

    pin = Evidence(2, "pin", "tensorflow<2.16", "/project/requirements.txt", 3)
    place = convert.text_placer("file:///m.py", TEXT, utf16)
    _, diagnostic = convert.to_diagnostic(replace(FINDING, keras_target=KerasTarget(2, None, (pin,))), place)
    assert diagnostic.related_information is not None
    assumed = diagnostic.related_information[-1]
    assert assumed.message == "Assumed Keras 2, from pin: `tensorflow<2.16` (requirements.txt:3)"
    assert assumed.location.uri == "file:///project/requirements.txt"
    assert assumed.location.range.start.line == 2
    own = Evidence(3, "module", "keras.ops", line=2)
    _, diagnostic = convert.to_diagnostic(replace(FINDING, keras_target=KerasTarget(3, None, (own,))), place)
    assert diagnostic.related_information[-1].location.uri == "file:///m.py"
    assert diagnostic.related_information[-1].location.range.start.line == 1
    _, plain = convert.to_diagnostic(FINDING, place)
    assert len(plain.related_information or []) == 1
