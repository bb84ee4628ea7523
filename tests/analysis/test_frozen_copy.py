"""`frozen_copy.with_fields` gives what `dataclasses.replace` gives, for the classes that use
it (`copyable`), and refuses none silently: classes it cannot copy are not `copyable`."""

import dataclasses
from dataclasses import InitVar, dataclass, field

from layerlint.analysis.frozen_copy import copyable, with_fields
from layerlint.analysis.model_uses import Use
from layerlint.analysis.shapes.infer import CallShape


def test_the_records_moved_by_an_edit_are_copyable():
    assert copyable(Use) and copyable(CallShape)


def test_a_copy_is_what_replace_gives():
    use = Use("save", 12, "model.save(path)", file_format="file", held=frozenset({"Block"}),
              columns=(4, 12, 20))
    changes = {"line": 40, "columns": (4, 40, 20), "contained": frozenset({"Block", "Inner"})}
    copy = with_fields(use, **changes)
    assert copy == dataclasses.replace(use, **changes)
    assert type(copy) is Use and copy is not use and use.line == 12
    assert hash(copy) == hash(dataclasses.replace(use, **changes))
    shape = CallShape(3, 8, 3, 20, "Dense", "keras", (), None, origin=2)
    assert with_fields(shape, line=9, end_line=9, origin=8) == dataclasses.replace(
        shape, line=9, end_line=9, origin=8)


def test_classes_that_init_does_more_for_are_not_copyable():
    @dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self):
            assert self.value >= 0

    @dataclass(frozen=True)
    class WithInitVar:
        value: int
        scale: InitVar[int] = 1

    @dataclass(frozen=True)
    class Derived:
        value: int
        double: int = field(init=False, default=0)

    @dataclass(frozen=True, slots=True)
    class Slotted:
        value: int

    assert not any(copyable(cls) for cls in (Checked, WithInitVar, Derived, Slotted))
    assert not copyable(int)


def test_findings_are_copyable():
    from layerlint.findings import Finding, Related, Span

    assert copyable(Finding) and copyable(Related) and copyable(Span)
