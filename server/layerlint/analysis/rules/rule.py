"""The rule contract: the typed record every rule module exports as `RULE`.

A rule is a check over one block's facts plus what the rest of layerlint needs to know about it
without running it: its code and name (a public contract), its default severity and, where it
grades findings by evidence, how; whether it reads the project's Keras version; the title and
safety of its quick-fix; and the sections of its documentation page. The registry
(`rules/__init__.py`) lists the records; the engine, `check --fix`, the editor's fix-all action,
SARIF output and `scripts/generate_rule_docs.py` read them, never the rule modules' globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from layerlint.findings import Finding, Severity

if TYPE_CHECKING:
    from layerlint.analysis.facts import BlockFacts

FixSafety = Literal["safe", "unsafe"]
"""Whether `layerlint check --fix` (and the editor's `source.fixAll.layerlint`) may apply a
rule's quick-fix unattended. **safe**: the output always runs and the program behaves as before
apart from the bug it removes (same computation, same weights, same checkpoint layout).
**unsafe**: it changes what the model is (a weight count, a state_dict key, when something
runs); the editor offers it, `--unsafe-fixes` applies it."""


@dataclass(frozen=True)
class RuleDocs:
    """The sections of the rule's page (docs/rules/<code>.md), in Markdown."""

    what_goes_wrong: str
    """The rule module's docstring: a title line, then what the framework does (its own
    message) and how the rule grades the evidence."""
    example: str
    """A short program the rule reports (the docs test checks that it does)."""
    fix: str
    """What the quick-fix does, or what to do by hand."""
    when_to_ignore: str
    """When a finding is acceptable, so that silencing it is the right call."""
    fix_safety: str = ""
    """Why the quick-fix is safe or unsafe (empty for a rule without a quick-fix)."""


@dataclass(frozen=True)
class Rule:
    code: str
    """`LL` and three digits: a public contract (settings, suppression comments, CI scripts)."""
    name: str
    severity: Severity
    """The default severity; `severity_by_evidence` says when a finding gets another."""
    summary: str
    """One sentence: the README table, SARIF's short description, the page's lead."""
    fix_title: str
    """What the quick-fix does, in a few words ("" when the rule has none)."""
    fix_safety: FixSafety | None
    """None exactly when the rule offers no quick-fix."""
    check: Callable[[BlockFacts], Iterable[Finding]] = field(repr=False)
    docs: RuleDocs = field(repr=False)
    keras_version_aware: bool = False
    """The findings depend on the Keras the code targets; they record the target assumed."""
    severity_by_evidence: Mapping[Severity, str] = field(default_factory=dict, hash=False)
    """Severity -> when a finding gets it, in order (empty: always `severity`). The conditions
    read after the severity's name: {ERROR: "when a crash is proven", INFORMATION: "otherwise"}."""

    def __post_init__(self) -> None:
        if (self.fix_safety is None) != (not self.fix_title):
            raise ValueError(f"{self.code}: a fix title needs a fix safety and the reverse")
        if self.fix_safety is not None and not self.docs.fix_safety:
            raise ValueError(f"{self.code}: say why its fix is {self.fix_safety}")

    @property
    def severity_text(self) -> str:
        """`error when ..., warning ..., information otherwise`, or the fixed severity."""
        if not self.severity_by_evidence:
            return self.severity.value
        return ", ".join(f"{severity.value} {condition}"
                         for severity, condition in self.severity_by_evidence.items())
