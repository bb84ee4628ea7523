"""The benchmark's edit scripts: a person typing a statement into a `call()` body, key by key,
or into a script's own code.

Pure functions, no LSP I/O. `plan_typing` finds the Keras `call()` method nearest the
middle of the file and returns single-character insertions that type new statements just before
its `return`, so most intermediate states are syntax errors (an open parenthesis, a dangling
operator) and the finished statement reuses a layer attribute of that class, the pattern
layerlint exists to catch. `plan_script_typing` types statements at the top level of a script
(a training script, an example), after its module-level statement nearest the middle: the code
that builds and trains the models, which the static shapes interpret again when it changes.
Edits carry 0-based LSP positions, counted in characters: for the ASCII files typed into, UTF-16
code units and characters agree.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Statements typed in turn; short enough that a 60-key script completes two of them, so
# the servers see valid states (with a new layer reuse) between the broken ones.
STATEMENT_TEMPLATES = (
    "y = self.{layer}(x)",
    "gate = ops.sigmoid(y * 0.5)",
    "x = x * gate + (1.0 - gate) * y",
)


SCRIPT_TEMPLATES = (
    "report = {{'layers': len(model.layers), 'step': 1}}",
    "print('trained', report)",
)
"""Statements typed into a script's own code (`{layer}` is not used)."""


@dataclass(frozen=True)
class Edit:
    """Insert `text` at (line, character), both 0-based."""

    line: int
    character: int
    text: str


@dataclass(frozen=True)
class TypingTarget:
    method_line: int  # 1-based line of the `def`
    anchor_line: int  # 1-based line after which the new statements go
    indent: str
    layer_attribute: str


def _self_call_attributes(function: ast.FunctionDef) -> list[str]:
    """Attributes called as `self.<name>(...)` in the body, in source order."""
    found = []
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "self"
            and node.func.attr not in found
        ):
            found.append(node.func.attr)
    return found


def _preferred_layer(attributes: list[str]) -> str:
    """A normalization layer if the method calls one: typing its second call is the bug we hunt."""
    for attribute in attributes:
        if "norm" in attribute or attribute.startswith("bn"):
            return attribute
    return attributes[0]


def find_typing_target(source: str) -> TypingTarget:
    """The `call()` method nearest the middle line whose body ends in `return` after a statement."""
    tree = ast.parse(source)
    middle = len(source.splitlines()) / 2
    candidates = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.name != "call":
            continue
        attributes = _self_call_attributes(node)
        if len(node.body) >= 2 and isinstance(node.body[-1], ast.Return) and attributes:
            candidates.append((abs(node.lineno - middle), node, attributes))
    if not candidates:
        raise ValueError("no call() method with a body ending in return")
    _, method, attributes = min(candidates, key=lambda candidate: candidate[0])
    previous = method.body[-2]
    return TypingTarget(
        method_line=method.lineno,
        anchor_line=previous.end_lineno or previous.lineno,
        indent=" " * method.body[-1].col_offset,
        layer_attribute=_preferred_layer(attributes),
    )


SCRIPT_PLACES = ("middle", "end")
"""Where the script workload types: after the statement nearest the middle line (code below it
runs again), or after the last one (a script being written, the commonest case)."""


def find_script_target(source: str, place: str = "middle") -> TypingTarget:
    """After the script's top-level statement (not a definition, import or docstring) whose
    end is nearest the middle line, or the last one (`place`); the typed statements go at
    column 0."""
    tree = ast.parse(source)
    middle = len(source.splitlines()) / 2
    code = [
        node for node in tree.body
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                                 ast.ImportFrom))
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    if not code:
        raise ValueError("no module-level code to type after")
    anchor = (code[-1] if place == "end" else
              min(code, key=lambda node: abs((node.end_lineno or node.lineno) - middle)))
    line = anchor.end_lineno or anchor.lineno
    return TypingTarget(method_line=anchor.lineno, anchor_line=line, indent="", layer_attribute="")


def plan_script_typing(source: str, edit_count: int, place: str = "middle") -> list[Edit]:
    """`edit_count` one-key edits typing `SCRIPT_TEMPLATES` into the script's own code, at
    `place` (`SCRIPT_PLACES`)."""
    return plan_typing(source, edit_count, find_script_target(source, place), SCRIPT_TEMPLATES)


def plan_typing(source: str, edit_count: int, target: TypingTarget | None = None,
                templates: tuple[str, ...] = STATEMENT_TEMPLATES) -> list[Edit]:
    """`edit_count` one-key edits: a newline opens each statement, then one character per key."""
    target = target or find_typing_target(source)
    lines = source.splitlines()
    edits: list[Edit] = []
    line = target.anchor_line - 1  # 0-based line the next newline is typed at the end of
    character = len(lines[line])
    statement_index = 0
    while len(edits) < edit_count:
        edits.append(Edit(line, character, "\n" + target.indent))
        line += 1
        character = len(target.indent)
        template = templates[statement_index % len(templates)]
        statement_index += 1
        for key in template.format(layer=target.layer_attribute):
            if len(edits) == edit_count:
                break
            edits.append(Edit(line, character, key))
            character += 1
    return edits


def apply_edit(text: str, edit: Edit) -> str:
    """The document after one insertion; the client keeps its own copy for full-sync servers."""
    lines = text.split("\n")
    before = "\n".join(lines[: edit.line])
    offset = len(before) + (1 if edit.line else 0) + edit.character
    return text[:offset] + edit.text + text[offset:]
