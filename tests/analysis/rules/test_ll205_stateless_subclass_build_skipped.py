"""LL205 against its fixtures (tests/fixtures/custom/b_ll205_*.py): version-aware analysis, the
quick-fix, and the fixtures under the installed Keras.

The fixtures marked `# keras-version: 3.9.2` crash under Keras 3.9.2 (tests/versions/ runs them
there) and run cleanly under the installed Keras, where LL205 must stay silent about them; the
Reshape fixture crashes under the installed Keras (3.12+) and is silent for 3.9.
"""

from __future__ import annotations

import pytest
from b_ground_truth import (
    describes_installed,
    expectation_mismatch,
    findings,
    fixed_problem,
    fixed_source,
    fixtures_for,
    ids,
    keras_version_of,
    offered_fix_problem,
    outcome_of,
    unaffected_problem,
    verdict_problem,
)

from layerlint.analysis.environment import keras_version
from layerlint.analysis.rules.ll205_stateless_subclass_build_skipped import (
    catalog_version_for,
    parse_version,
)

FIXTURES = fixtures_for("LL205")
WITH_FIXES = [fixture for fixture in FIXTURES if fixture.fixes]
# Releases that behave like the one a fixture describes, and releases that do not.
SAME_BEHAVIOUR = {"3.9.2": ("3.6.0", "3.8.1", "3.9.2"), "3.15.1": ("3.12.0", "3.14.0", "3.15.1")}
OTHER_RELEASES = ("3.5.0", "3.9.2", "3.10.0", "3.11.3", "3.15.1")


def _version(fixture) -> str:
    return keras_version_of(fixture) or keras_version() or "3.15.1"


def test_fixtures_cover_both_affected_ranges_and_negatives():
    versions = {keras_version_of(fixture) for fixture in FIXTURES if fixture.expectations}
    assert versions == {"3.9.2", "3.15.1"}
    assert any(not fixture.expectations for fixture in FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_findings_match_expectations_in_every_release_that_behaves_alike(fixture):
    for version in SAME_BEHAVIOUR[_version(fixture)]:
        mismatch = expectation_mismatch(fixture, version)
        assert mismatch is None, mismatch


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_silent_in_releases_without_the_trap(fixture):
    for version in OTHER_RELEASES:
        if version not in SAME_BEHAVIOUR[_version(fixture)]:
            assert not findings(fixture.source, version), version


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_fix_offered_exactly_where_annotated(fixture):
    assert offered_fix_problem(fixture) is None, offered_fix_problem(fixture)


@pytest.mark.parametrize("fixture", WITH_FIXES, ids=ids(WITH_FIXES))
def test_fixed_program_is_no_longer_reported(fixture):
    source, problem = fixed_source(fixture)
    assert problem is None, problem
    remaining = findings(source, _version(fixture), fresh=True)
    assert not remaining, [f.message for f in remaining]


@pytest.mark.parametrize("version, represented_by", [
    ("3.6.0", "3.9.2"), ("3.8.0", "3.9.2"), ("3.9.2", "3.9.2"), ("3.12.1", "3.15.1"),
    ("3.15.1", "3.15.1"), ("3.5.0", None), ("3.10.0", None), ("3.11.3", None), (None, None),
    ("2.15.0", None), ("3.9.0rc1", "3.9.2"),
])
def test_catalog_release_standing_for_a_version(version, represented_by):
    assert catalog_version_for(parse_version(version))[0] == represented_by


def test_project_version_setting_decides():
    # The same text: reported for a 3.9 project, not for a 3.10 one; nothing imports Keras.
    source = (
        "import keras\n\n\n"
        "class Gate(keras.layers.ReLU):\n"
        "    def build(self, input_shape):\n"
        "        self.gain = self.add_weight(shape=(), initializer='ones')\n"
    )
    (finding,) = findings(source, "3.9.2")
    assert "Keras 3.9.2" in finding.message and "self.gain" in finding.message
    assert finding.span.line == 5 and finding.span.column == 9
    assert not findings(source, "3.10.0")


@pytest.mark.framework
@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_installed_keras_does_what_the_fixture_says(fixture):
    outcome = outcome_of(fixture)
    if describes_installed(fixture):
        assert verdict_problem(fixture, outcome) is None, verdict_problem(fixture, outcome)
    else:  # written for Keras 3.9: the installed release calls build() and runs it cleanly
        assert unaffected_problem(outcome) is None, unaffected_problem(outcome)


@pytest.mark.framework
@pytest.mark.parametrize("fixture", [f for f in WITH_FIXES if describes_installed(f)],
                         ids=ids([f for f in WITH_FIXES if describes_installed(f)]))
def test_fixed_program_behaves_under_installed_keras(fixture):
    outcome = outcome_of(fixture, fixed=True)
    assert fixed_problem(fixture, outcome) is None, fixed_problem(fixture, outcome)
