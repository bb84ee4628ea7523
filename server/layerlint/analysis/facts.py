"""What the rules see of one block: its model classes, the reuse cases of their forward
methods and functional code, and helpers to turn `ast` nodes into block-relative spans."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from layerlint.analysis.class_attributes import name_attributes
from layerlint.analysis.imports import ImportTable
from layerlint.analysis.keras_target import UNKNOWN, KerasTarget
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.reuse import ReuseCase
from layerlint.analysis.save_evidence import EMPTY, Evidence
from layerlint.analysis.shapes.infer import ModuleShapes
from layerlint.analysis.walk import walk
from layerlint.findings import Span
from layerlint.syntax.positions import char_column
from layerlint.syntax.scope_names import names_taken_in_class

_LINE_REF = re.compile(r"@@line:(\d+)@@")
_WORDED_LINE_REF = re.compile(r"(\bline )?@@line:(\d+)@@")


def line_ref(line: int) -> str:
    """A block-relative line number inside a message; the engine makes it absolute."""
    return f"@@line:{line}@@"


def shift_line_refs(message: str, offset: int) -> str:
    """Make the line references of a block's message absolute (still as references)."""
    if "@@line:" not in message or offset == 0:
        return message
    return _LINE_REF.sub(lambda match: line_ref(int(match.group(1)) + offset), message)


def format_line_refs(message: str, label: Callable[[int], str] = str) -> str:
    """Write absolute line references as text: `12`, or `9 of cell 3` in a notebook.

    A label that quotes the line's code (starts with a backquote, as in a notebook whose cell
    boundaries are unknown) replaces the word "line" before the reference too: "on line 12"
    becomes "on `x = bn(x)`".
    """
    if "@@line:" not in message:
        return message

    def write(match: re.Match[str]) -> str:
        text = label(int(match.group(2)))
        return text if text.startswith("`") else (match.group(1) or "") + text

    return _WORDED_LINE_REF.sub(write, message)


@dataclass
class BlockFacts:
    text: str
    imports: ImportTable
    keras_version: str | None
    classes: list[ClassModel] = field(default_factory=list)
    """Model classes of this block (Keras layers/models, torch modules), direct or inherited."""
    frameworks: dict[str, str] = field(default_factory=dict)
    """Class name -> "keras" | "tf_keras" | "torch" for every model class of the module."""
    local_classes: dict[str, ClassModel] = field(default_factory=dict)
    """Every class of the module by name (model classes or not), for rules that follow bases."""
    reuse_cases: list[ReuseCase] = field(default_factory=list)
    module_program: bool = False
    """True for the module-level program (all top-level statements as one), False for a block."""
    variable_definitions: dict[int, tuple[ast.stmt | None, str | None, set[str], ast.AST]] = field(
        default_factory=dict
    )
    """Functional-API layers: definition id -> (simple statement, enclosing function, names taken,
    the scope node)."""
    keras_target: KerasTarget = UNKNOWN
    """The Keras the module targets (2, 3 or unknown) and the evidence; `keras_version` is its
    `catalog_version`. Rules whose misbehaviour is version-specific read `keras_flavour`."""
    mixed_precision: bool = False
    """The module names a mixed dtype policy (`mixed_float16`, `mixed_bfloat16`) somewhere."""
    evidence: Evidence = EMPTY
    """What the module (and the project's other files) do with its models: saves, reloads,
    torch moves (`save_evidence`); lines absolute in the module."""
    line_offset: int = 0
    """The block's first line minus one: absolute line = block-relative line + line_offset."""
    path: str | None = None
    shapes: ModuleShapes | None = None
    """Static shapes of the whole module (set only on the module's shape pass: LL105)."""
    _lines: list[str] | None = None
    _names_taken: dict[int, set[str]] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def class_names_taken(self, node: ast.ClassDef) -> set[str]:
        """Names a new attribute of this class must not take (computed once per class)."""
        key = id(node)
        if key not in self._names_taken:
            self._names_taken[key] = names_taken_in_class(node, walk, name_attributes)
        return self._names_taken[key]

    def span(self, node: Positioned) -> Span:
        """Block-relative span of a node, columns 1-based in characters."""
        line = node.lineno
        end_line = node.end_lineno or line
        column = char_column(self._line(line), node.col_offset) + 1
        end_column = char_column(self._line(end_line), node.end_col_offset or node.col_offset) + 1
        return Span(line, column, end_line, end_column)

    def _line(self, number: int) -> str:
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""


class Positioned(Protocol):
    """A syntax node with a position: every `ast` statement, expression and argument."""

    @property
    def lineno(self) -> int: ...
    @property
    def col_offset(self) -> int: ...
    @property
    def end_lineno(self) -> int | None: ...
    @property
    def end_col_offset(self) -> int | None: ...
