"""What several Keras rules ask of a class: which Keras its code runs under, whether it is a
plain layer rather than a model, and which methods run while it is built or called.

Kept here, not in one of the rules, so that no rule imports another.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from layerlint.analysis.facts import BlockFacts
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.node_index import nodes_of_type
from layerlint.syntax import self_attributes

CONSTRUCTION_ROOTS = ("__init__", "build")
FORWARD_ROOTS = ("call",)
ON_KERAS_3 = "On Keras 3: "
"""The prefix of a message about a misbehaviour that only Keras 3 shows, when the target is
unknown."""


def target_flavour(facts: BlockFacts, class_name: str) -> str | None:
    """"keras3", "legacy" (tf-keras, or `keras`/`tf.keras` in a project that targets Keras 2,
    whose layers behave like tf-keras') or "unknown" (the target is unknown: a rule whose
    misbehaviour is Keras-3-only then says "On Keras 3: ..." at information level), None for
    classes that are not Keras layers."""
    framework = facts.frameworks.get(class_name)
    if framework == "tf_keras":
        return "legacy"
    if framework != "keras":
        return None
    major = facts.keras_target.major
    if major is None:
        return "unknown"
    return "legacy" if major < 3 else "keras3"


def keras_flavour(facts: BlockFacts, class_name: str) -> str | None:
    """`target_flavour` for rules that do not speak of an unknown target yet: unknown reads as
    Keras 3, the newest release."""
    flavour = target_flavour(facts, class_name)
    return "keras3" if flavour == "unknown" else flavour


def methods_reached(model: ClassModel, roots: tuple[str, ...]) -> list[str]:
    """`roots` that the class defines, and the methods they call through `self`, transitively;
    the construction methods and `call()` never count as helpers of each other."""
    excluded = set(CONSTRUCTION_ROOTS + FORWARD_ROOTS) - set(roots)
    return self_attributes.methods_reached(model.methods, roots, excluded, walk=_calls)


def _calls(method: ast.AST) -> Sequence[ast.Call]:
    """A method's calls in walk order: all that `methods_reached` looks at."""
    return nodes_of_type(method, ast.Call)


def is_plain_layer(model: ClassModel, facts: BlockFacts, seen: set[str]) -> bool:
    """A Layer subclass that is not a Model: it fails inside the model that holds it."""
    if facts.frameworks.get(model.name) is None:
        return False
    seen.add(model.name)
    for base in model.base_names:
        local = facts.local_classes.get(base)
        if local is not None:
            if base not in seen and not is_plain_layer(local, facts, seen):
                return False
        elif base.rsplit(".", 1)[-1] in ("Model", "Sequential", "Functional"):
            return False
    return True
