"""LL205 stateless-subclass-build-skipped: a subclass's build() that Keras never calls.

What goes wrong: some Keras releases mark certain built-in layers as built inside their
`__init__` (`self.built = True`). `Layer.__call__` builds a layer only while `built` is False, so
a subclass that overrides `build()` to create its own weights never has it called: the weights
never exist, `call()` fails on the first use (`AttributeError: 'ScaledMaxPool' object has no
attribute 'scale'`), and a subclass whose call() tolerates the gap silently has no weights.

Which layers, in which releases (the catalog's `subclass_build_skipped`, measured per release by
`scripts/generate_catalog.py`; ranges checked in the release wheels' sources):
- Keras 3.6.0 through 3.9.x: every stateless built-in (pooling, ReLU, LeakyReLU, Softmax,
  Activation, Dropout, GaussianNoise, Masking, Identity, ...), introduced by keras PR #20175 and
  fixed in 3.10.0 by PR #20880, which builds in `__init__` only when `build` is not overridden.
  Measured under Keras 3.9.2: a MaxPooling2D subclass's build() is never called; under 3.15.1 it
  is.
- Keras 3.12.0 and later (still in 3.15.1): `Reshape.__init__` sets `self.built = True`
  unconditionally again, so a Reshape subclass's build() is skipped the same way.

The project's Keras target decides (`layerlint.analysis.keras_target`: the `keras-version`
setting, the Keras installed in the project's interpreter, the project's pins; nothing is
imported). An exact version inside a range is an error; outside the ranges, or with no catalog
data inside its range, nothing is reported. Keras 2 targets are never reported. When only the
major version 3 is known, or nothing is, the finding is information, prefixed with the releases
that have the trap ("On Keras 3.6.0-3.9.x: ...").

Silent: a build() that creates nothing (only `super().build(...)`), since skipping it loses
nothing; a class whose `__init__` (or a local base's) already resets `built`; tf-keras layers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import replace

from layerlint.analysis import catalog
from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.frameworks import framework_of
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import nodes_of_type
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.source import parse_block_text
from layerlint.analysis.walk import walk
from layerlint.findings import Finding, Severity, Span
from layerlint.fix_requests import ResetBuilt
from layerlint.syntax.self_attributes import self_attribute

CODE = "LL205"
NAME = "stateless-subclass-build-skipped"
SEVERITY = Severity.ERROR

Version = tuple[int, int, int]
# Release ranges [first affected, first fixed) in which built-in layers mark themselves built in
# __init__; which layers is catalog data measured in a release of the same range.
AFFECTED_RANGES: tuple[tuple[Version, Version | None, str], ...] = (
    ((3, 6, 0), (3, 10, 0), "Keras 3.6.0-3.9.x do this for stateless built-in layers; fixed in 3.10.0"),
    ((3, 12, 0), None, "Keras 3.12.0 and later do this for Reshape"),
)


def check(facts: BlockFacts) -> Iterable[Finding]:
    target = facts.keras_target
    if target.major is not None and target.major < 3:
        return
    if not any(_builds_state(model) for model in block_classes(facts)):
        return  # nothing here to lose: skip finding the catalog release
    version = parse_version(target.version)
    if version is not None:
        data_version, range_text = catalog_version_for(version)
        if data_version is not None:
            yield from _findings(facts, data_version, range_text, target.version or data_version)
        return
    # Keras 3 without an exact version, or an unknown target: the trap exists in some
    # releases only, so say which, at information level.
    for first, fixed, range_text in AFFECTED_RANGES:
        data_version, _ = catalog_version_for(first)
        if data_version is None:
            continue
        start = ".".join(map(str, first))
        label = f"{start} and later" if fixed is None else f"{start}-{fixed[0]}.{fixed[1] - 1}.x"
        for finding in _findings(facts, data_version, range_text, label):
            yield replace(finding, severity=Severity.INFORMATION,
                          message=f"On Keras {label}: {finding.message}")


def _findings(
    facts: BlockFacts, data_version: str, range_text: str, version_text: str
) -> Iterable[Finding]:
    for model in block_classes(facts):
        if not _builds_state(model):
            continue
        base = skipping_base(model, facts, data_version, set())
        if base is not None:
            yield _finding(facts, model, model.methods["build"], base, version_text, range_text)


def _builds_state(model: ClassModel) -> bool:
    """A build() whose skipping loses something, in a class that does not reset `built`."""
    build = model.methods.get("build")
    return build is not None and creates_state(build) and not resets_built(model)


def block_classes(facts: BlockFacts) -> list[ClassModel]:
    """Every top-level class of this block. Subclasses of built-in layers (MaxPooling2D) are not
    among `facts.classes`, which holds subclasses of Layer/Model/Module only."""
    tree, _ = parse_block_text(facts.text)  # cached: the engine parsed this text already
    if tree is None:
        return []
    models = [
        (node, facts.local_classes.get(node.name)) for node in tree.body
        if isinstance(node, ast.ClassDef)
    ]
    # A name defined twice in the module keeps its last definition, maybe in another block.
    return [model for node, model in models if model is not None and model.node.lineno == node.lineno]


def parse_version(text: str | None) -> Version | None:
    numbers = re.findall(r"\d+", (text or "").split("+")[0])[:3]
    if len(numbers) < 2:
        return None
    major, minor, patch = (int(part) for part in [*numbers, "0"][:3])
    return major, minor, patch


def catalog_version_for(version: Version | None) -> tuple[str | None, str]:
    """The catalog release that stands for `version` (same affected range, the same major.minor
    when the catalog has it, else the closest), and the range's description."""
    if version is None:
        return None, ""
    for first, fixed, text in AFFECTED_RANGES:
        if not (first <= version and (fixed is None or version < fixed)):
            continue
        candidates = []
        for available in catalog.available_versions("keras"):
            parsed = parse_version(available)
            if parsed is not None and first <= parsed and (fixed is None or parsed < fixed):
                distance = (parsed[:2] != version[:2], abs(parsed[1] - version[1]))
                candidates.append((distance, available))
        return (min(candidates)[1], text) if candidates else (None, text)
    return None, ""


def creates_state(build: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether skipping this build() loses something: weights, sublayers it builds, attributes
    call() may read. A build() that only calls `super().build()` loses nothing."""
    for call in nodes_of_type(build, ast.Call):
        if isinstance(call.func, ast.Attribute) and (
            call.func.attr in ("add_weight", "add_variable")
            or (call.func.attr == "build" and not _is_super_call(call.func.value))
        ):
            return True
    targets = [target for node in nodes_of_type(build, ast.Assign) for target in node.targets]
    targets += [node.target for node in nodes_of_type(build, ast.AnnAssign)]
    targets += [node.target for node in nodes_of_type(build, ast.AugAssign)]
    return any(self_attribute(target) not in (None, "built", "input_spec") for target in targets)


def resets_built(model: ClassModel) -> bool:
    """Whether `__init__` sets `self.built = False` after calling the base `__init__`."""
    init = model.methods.get("__init__")
    if init is None:
        return False
    base_init_lines = [
        node.lineno for node in nodes_of_type(init, ast.Call)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
    ]
    return any(
        isinstance(node.value, ast.Constant)
        and node.value.value is False
        and any(_is_self_built(target) for target in node.targets)
        and all(line <= node.lineno for line in base_init_lines)
        for node in nodes_of_type(init, ast.Assign)
    )


def skipping_base(
    model: ClassModel, facts: BlockFacts, data_version: str, seen: set[str]
) -> str | None:
    """The built-in Keras layer this class derives from whose subclasses' build() is skipped,
    unless a local class in between resets `built`."""
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            if base in seen or resets_built(local):
                continue
            found = skipping_base(local, facts, data_version, seen)
        elif framework_of(base) == "keras" and "." in base:
            info = catalog.lookup("keras", base.rsplit(".", 1)[-1], data_version)
            found = base.rsplit(".", 1)[-1] if info and info.subclass_build_skipped else None
        else:
            found = None
        if found:
            return found
    return None


def _finding(
    facts: BlockFacts, model: ClassModel, build: ast.FunctionDef | ast.AsyncFunctionDef,
    base: str, version: str, range_text: str,
) -> Finding:
    created = sorted({
        attribute for node in walk(build) if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if (attribute := self_attribute(target)) not in (None, "built")
    })
    if created:
        names = ", ".join(f"self.{name}" for name in created[:3])
        consequence = (f"{names} {'is' if len(created) == 1 else 'are'} never created, so call() "
                       "fails with AttributeError on first use")
    else:
        consequence = "Nothing it creates exists, so the layer runs without its weights"
    message = (
        f"{model.name}.build() is never called with Keras {version}: {base} sets "
        f"`self.built = True` in its __init__ and Keras builds a layer only while `built` is "
        f"False ({range_text}). {consequence}. Set "
        f"`self.built = False` at the end of {model.name}.__init__."
    )
    has_init = "__init__" in model.methods
    title = (
        f"Set self.built = False at the end of {model.name}.__init__" if has_init
        else f"Add {model.name}.__init__ that sets self.built = False"
    )
    fix = ResetBuilt(title=title, class_name=model.name, definition_line=model.node.lineno)
    return Finding(CODE, NAME, SEVERITY, _name_span(facts, build), message, fixes=(fix,))


def _name_span(facts: BlockFacts, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
    """The `build` in `def build(...)`."""
    line = facts.lines[function.lineno - 1] if function.lineno <= len(facts.lines) else ""
    match = re.search(rf"\bdef\s+({function.name})\b", line)
    if match is None:
        return facts.span(function)
    return Span(function.lineno, match.start(1) + 1, function.lineno, match.end(1) + 1)


def _is_super_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _is_self_built(node: ast.expr) -> bool:
    return self_attribute(node) == "built"


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary=(
        "A subclass of a built-in layer that this Keras version builds in __init__: its build() never "
        "runs."
    ),
    fix_title="Set self.built = False at the end of __init__.",
    fix_safety="unsafe",
    keras_version_aware=True,
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import keras


class FlatScale(keras.layers.Reshape):  # LL205 on Keras 3.12.0 and later
    def build(self, input_shape):
        self.scale = self.add_weight(shape=())

    def call(self, x):
        return super().call(x) * self.scale
""",
        fix=(
            "`self.built = False` at the end of `__init__` (after `super().__init__(...)`), so Keras "
            "builds the layer on its first call; harmless in releases without the trap."
        ),
        fix_safety=(
            "The subclass's build() starts running, so the layer creates the weights it defines there: "
            "its weights change."
        ),
        when_to_ignore=(
            "When the project never runs on an affected release (3.6.0-3.9.x for stateless built-ins, "
            "3.12.0 and later for Reshape): set `keras-version` so the rule knows. The fix is harmless "
            "in every release, so applying it is usually simpler than ignoring the finding."
        ),
    ),
)
