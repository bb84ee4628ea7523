"""LL205 against its fixtures (tests/fixtures/custom/b_ll205_*.py): version-aware analysis, the
quick-fix, and the fixtures under the installed Keras.

The fixtures marked `# keras-version: 3.9.2` crash under Keras 3.9.2 (tests/versions/ runs them
there) and run cleanly under the installed Keras, where LL205 must stay silent about them; the
Reshape fixture crashes under the installed Keras (3.12+) and is silent for 3.9.
"""

from __future__ import annotations

import pytest
from analysis.rules.ground_truth import (
    QuickFixChecks,
    codes_checked_with,
    expectation_mismatch,
    findings,
    fixtures_for,
    ids,
    keras_version_of,
)

from layerlint.analysis.environment import keras_version
from layerlint.analysis.rules.ll205_stateless_subclass_build_skipped import (
    catalog_version_for,
    parse_version,
)

CODES = codes_checked_with("LL205")
FIXTURES = fixtures_for("LL205")
# Releases that behave like the one a fixture describes, and releases that do not.
SAME_BEHAVIOUR = {"3.9.2": ("3.6.0", "3.8.1", "3.9.2"), "3.15.1": ("3.12.0", "3.14.0", "3.15.1")}
OTHER_RELEASES = ("3.5.0", "3.9.2", "3.10.0", "3.11.3", "3.15.1")


def _version(fixture) -> str:
    return keras_version_of(fixture) or keras_version() or "3.15.1"


class TestGroundTruth(QuickFixChecks):
    code = "LL205"

    def test_findings_match_expectations(self, fixture):
        """In every release that behaves like the one the fixture describes."""
        for version in SAME_BEHAVIOUR[_version(fixture)]:
            mismatch = expectation_mismatch(fixture, version)
            assert mismatch is None, mismatch


def test_fixtures_cover_both_affected_ranges_and_negatives():
    versions = {keras_version_of(fixture) for fixture in FIXTURES if fixture.expectations}
    assert versions == {"3.9.2", "3.15.1"}
    assert any(not fixture.expectations for fixture in FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES, ids=ids(FIXTURES))
def test_silent_in_releases_without_the_trap(fixture):
    for version in OTHER_RELEASES:
        if version not in SAME_BEHAVIOUR[_version(fixture)]:
            assert not findings(fixture.source, CODES, version), version


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
    (finding,) = findings(source, CODES, "3.9.2")
    assert "Keras 3.9.2" in finding.message and "self.gain" in finding.message
    assert finding.span.line == 5 and finding.span.column == 9
    assert not findings(source, CODES, "3.10.0")


def test_without_an_exact_version_the_affected_releases_are_named_at_information():
    from layerlint.analysis import analyse
    from layerlint.config import Settings

    source = (
        "import keras\n\n\n"
        "class ScaledPool(keras.layers.MaxPooling2D):\n"
        "    def build(self, input_shape):\n"
        "        self.scale = self.add_weight(shape=(input_shape[-1],))\n\n"
        "    def call(self, x):\n"
        "        return super().call(x) * self.scale\n"
    )

    def found(version):
        return [(f.severity.value, f.message) for f in
                analyse(source, settings=Settings(keras_version=version)).findings if f.code == "LL205"]

    assert [severity for severity, _ in found("3.9.2")] == ["error"]
    assert found("3.15.1") == [] and found("2.15.0") == []
    for version in ("3", None):  # Keras 3 of no known release, or an unknown target
        ((severity, message),) = found(version)
        assert severity == "information" and message.startswith("On Keras 3.6.0-3.9.x: ")
