"""Fixtures shared by the analysis tests."""

import pytest

from layerlint.analysis import class_resolution


@pytest.fixture
def rows_kept_across_names(monkeypatch):
    """For each class row found for other class names that module_context asked about,
    whether it was kept (`class_resolution._is_current`) rather than found again."""
    kept: list[bool] = []
    original = class_resolution._is_current

    def recording(row, current, local_names, *changed):
        found_for_other_names = row.inputs is not None and row.inputs != current
        found = original(row, current, local_names, *changed)
        if found_for_other_names:
            kept.append(found)
        return found

    monkeypatch.setattr(class_resolution, "_is_current", recording)
    return kept


@pytest.fixture
def renames_unmentioned(monkeypatch):
    """For each change of the class names that module_context patched (`_renamed`), whether no
    class mentioned a name that came or went (`class_resolution._mentioned_by_none`: then no
    class was visited)."""
    answers: list[bool] = []
    original = class_resolution._mentioned_by_none

    def recording(context, names):
        answers.append(original(context, names))
        return answers[-1]

    monkeypatch.setattr(class_resolution, "_mentioned_by_none", recording)
    return answers
