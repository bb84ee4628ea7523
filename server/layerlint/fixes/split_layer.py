"""Quick-fix "Split bn into bn_1/bn_2": give each call site of a reused layer its own instance.

A layer that holds per-input state (BatchNormalization's statistics, weights bound to the first
input shape) crashes or silently shares that state when one instance is called at two sites.
The fix duplicates the statement that constructs the layer, with the same arguments, once per
new name, and renames the callee at each reported call site, in order:

    self.bn = BatchNormalization()          self.bn_1 = BatchNormalization()
                                      ->    self.bn_2 = BatchNormalization()
    x = self.bn(self.conv_1(x))             x = self.bn_1(self.conv_1(x))
    x = self.bn(self.conv_2(x))             x = self.bn_2(self.conv_2(x))

A `name="bn"` keyword becomes `name="bn_1"`, `name="bn_2"`, since Keras layer names must be
unique. Nothing else changes: other references to the layer (`self.bn.trainable = False`) are
left alone, and only the top-level block holding the definition and the call sites goes through
libcst (see `text_blocks`), so every byte outside the touched nodes survives.

`data`, as the analysis sends it: scope ("attribute" for `self.<name>` of a class, "variable"
for a local or module-level variable), class_name, function_name (innermost; None at module
level), name, new_names (one per call site, in call-site order), definition_line (1-based), and
call_sites ([line, column] of the start of each callee, 1-based, column in characters).
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from itertools import count as numbers
from string import ascii_lowercase
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from layerlint.fixes import FixError
from layerlint.fixes.scope_names import (
    FUNCTION_TYPES,
    innermost_scope,
    names_taken_in_class,
    names_taken_in_function,
    names_taken_in_module,
)
from layerlint.fixes.text_blocks import enclosing_block, statement_line_range

KIND = "split-layer"

SiteKey = tuple[int, int]  # (line, 0-based column) inside the parsed block


@dataclass(frozen=True)
class SplitRequest:
    """The fix's `data`, checked and typed."""

    scope: str
    class_name: str | None
    function_name: str | None
    name: str
    new_names: tuple[str, ...]
    definition_line: int
    call_sites: tuple[tuple[int, int], ...]

    @property
    def reference(self) -> str:
        """How the layer reads in code, for messages."""
        return f"self.{self.name}" if self.scope == "attribute" else self.name


def choose_free_names(base: str, count: int, taken: set[str]) -> list[str]:
    """`count` new names for splitting `base`: `base_1..base_n`, or, when one of those is
    taken, the first free series of `base_a1..base_an`, `base_b1..`, ..., then `base_1_1..`."""
    if count < 1:
        raise ValueError("count must be at least 1")
    lettered = (f"{base}_{letter}" for letter in ("", *ascii_lowercase))
    numbered = (f"{base}_{number}_" for number in numbers(1))
    for prefix in chain(lettered, numbered):
        names = [f"{prefix}{index}" for index in range(1, count + 1)]
        if taken.isdisjoint(names):
            return names
    raise AssertionError("unreachable: the numbered series is endless")


def apply(source: str, data: dict[str, Any]) -> str:
    """Return the whole module text with the layer split; FixError if the text no longer fits."""
    request = read_request(data)
    tree = _parse_with_ast(source)
    _check_new_names_are_free(tree, request)
    site_lines = [line for line, _ in request.call_sites]
    block = enclosing_block(source, tree, [request.definition_line, *site_lines])
    if block is None:
        raise FixError(
            f"line {request.definition_line} or a call site of {request.reference} is not "
            "inside any statement: the document changed since the analysis, re-run it"
        )
    return block.splice(rewrite_block(block.text, request, line_offset=block.first_line - 1))


def read_request(data: dict[str, Any]) -> SplitRequest:
    """Check the shape of `data`; FixError explains what is malformed."""
    try:
        request = SplitRequest(
            scope=data["scope"],
            class_name=data.get("class_name"),
            function_name=data.get("function_name"),
            name=data["name"],
            new_names=tuple(data["new_names"]),
            definition_line=int(data["definition_line"]),
            call_sites=tuple((int(line), int(column)) for line, column in data["call_sites"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise FixError(f"malformed split-layer data: {error!r}") from error
    problems = []
    if request.scope not in ("attribute", "variable"):
        problems.append(f"unknown scope {request.scope!r}")
    if request.scope == "attribute" and not request.class_name:
        problems.append("scope 'attribute' needs class_name")
    names = [request.name, *request.new_names]
    problems += [f"{name!r} is not an identifier" for name in names if not _is_identifier(name)]
    if not request.call_sites or len(request.new_names) != len(request.call_sites):
        problems.append("new_names and call_sites must be non-empty and of equal length")
    if len(set(request.new_names)) != len(request.new_names):
        problems.append("new_names repeat a name")
    if len(set(request.call_sites)) != len(request.call_sites):
        problems.append("call_sites repeat a position")
    if problems:
        raise FixError("malformed split-layer data: " + "; ".join(problems))
    return request


def rewrite_block(block_text: str, request: SplitRequest, line_offset: int) -> str:
    """Split the layer inside `block_text`, whose first line is line `line_offset + 1` of the
    module; returns the block's new text."""
    try:
        module = cst.parse_module(block_text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"libcst cannot parse the code around the layer: {error}") from error
    rewriter = _SplitRewriter(request, line_offset)
    new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(rewriter)
    rewriter.raise_if_incomplete()
    return new_module.code


class _SplitRewriter(cst.CSTTransformer):
    """Duplicates the definition and renames the callees found at the call-site positions."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, request: SplitRequest, line_offset: int) -> None:
        super().__init__()
        self.request = request
        self.line_offset = line_offset
        self.definition_line = request.definition_line - line_offset
        self.new_name_at: dict[SiteKey, str] = {
            (line - line_offset, column - 1): new_name
            for (line, column), new_name in zip(request.call_sites, request.new_names, strict=True)
        }
        self.renamed: set[SiteKey] = set()
        self.found_at_site: dict[SiteKey, str] = {}
        self.definition_found = False
        self.found_at_definition: list[str] = []

    # Call sites

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        keys = [key for key in self._site_keys(original_node.func) if key in self.new_name_at]
        if not keys or keys[0] in self.renamed:
            return updated_node
        key = keys[0]
        if not self._is_layer_reference(original_node.func):
            # `self.bn(x)(y)`: the outer call's callee starts where the inner one does, so a
            # mismatch only counts if no call at this position matches.
            self.found_at_site.setdefault(key, _code(original_node.func))
            return updated_node
        self.renamed.add(key)
        return updated_node.with_changes(
            func=_renamed_reference(updated_node.func, self.new_name_at[key])
        )

    def _site_keys(self, func: cst.BaseExpression) -> list[SiteKey]:
        positions = [self.get_metadata(PositionProvider, func).start]
        if isinstance(func, cst.Attribute):
            # In `(self.bn)(x)` libcst's range starts at the parenthesis, ast's at `self`.
            positions.append(self.get_metadata(PositionProvider, func.value).start)
        return [(position.line, position.column) for position in positions]

    def _is_layer_reference(self, node: cst.BaseExpression) -> bool:
        if self.request.scope == "attribute":
            return (
                isinstance(node, cst.Attribute)
                and isinstance(node.value, cst.Name)
                and node.value.value == "self"
                and node.attr.value == self.request.name
            )
        return isinstance(node, cst.Name) and node.value == self.request.name

    # The definition

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        index = self._definition_index(original_node)
        if index is None:
            return updated_node
        copies = self._copies(updated_node.body[index])
        if len(updated_node.body) > 1:
            return updated_node.with_changes(body=_replace_at(updated_node.body, index, copies))
        # One statement per line, comments above it stay above the first copy only.
        return cst.FlattenSentinel(
            [
                updated_node.with_changes(body=[copy])
                if number == 0
                else updated_node.with_changes(body=[copy], leading_lines=()).deep_clone()
                for number, copy in enumerate(copies)
            ]
        )

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        # `if training: self.bn = BatchNormalization()`: the copies share the header's line.
        index = self._definition_index(original_node)
        if index is None:
            return updated_node
        copies = self._copies(updated_node.body[index])
        return updated_node.with_changes(body=_replace_at(updated_node.body, index, copies))

    def _definition_index(
        self, statement: cst.SimpleStatementLine | cst.SimpleStatementSuite
    ) -> int | None:
        for index, small in enumerate(statement.body):
            line = self.get_metadata(PositionProvider, small).start.line
            if line != self.definition_line:
                continue
            targets = _assigned_targets(small)
            if any(self._is_layer_reference(target) for target in targets):
                if len(targets) > 1:
                    raise FixError(
                        f"line {self.request.definition_line} assigns {self.request.reference} "
                        "together with other names; split that assignment by hand first"
                    )
                self.definition_found = True
                return index
            self.found_at_definition.append(_code(small))
        return None

    def _copies(self, assignment: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement]:
        copies = []
        for number, new_name in enumerate(self.request.new_names, start=1):
            # The layer's own name follows the variable's: bn_a1 -> name="bn_a1".
            suffix = new_name.removeprefix(self.request.name)
            if suffix == new_name or not suffix:
                suffix = f"_{number}"
            copies.append(_renamed_assignment(assignment, new_name, suffix).deep_clone())
        return copies

    # Checks once the whole block was visited

    def raise_if_incomplete(self) -> None:
        request = self.request
        if not self.definition_found:
            found = (
                "; found " + " / ".join(self.found_at_definition)
                if self.found_at_definition
                else ""
            )
            raise FixError(
                f"line {request.definition_line} no longer assigns {request.reference}{found}: "
                "the document changed since the analysis, re-run it"
            )
        for line, column in request.call_sites:
            key = (line - self.line_offset, column - 1)
            if key in self.renamed:
                continue
            found = self.found_at_site.get(key)
            what = f"found `{found}`" if found else "found no call there"
            raise FixError(
                f"expected a call of {request.reference} at line {line}, column {column}, {what}: "
                "the document changed since the analysis, re-run it"
            )


def _renamed_reference(node: cst.BaseExpression, new_name: str) -> cst.BaseExpression:
    if isinstance(node, cst.Attribute):
        return node.with_changes(attr=node.attr.with_changes(value=new_name))
    if isinstance(node, cst.Name):
        return node.with_changes(value=new_name)
    raise FixError(f"cannot rename `{_code(node)}`")


def _assigned_targets(small: cst.BaseSmallStatement) -> list[cst.BaseExpression]:
    if isinstance(small, cst.Assign):
        return [target.target for target in small.targets]
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        return [small.target]
    return []


def _renamed_assignment(
    assignment: cst.BaseSmallStatement, new_name: str, suffix: str
) -> cst.BaseSmallStatement:
    if isinstance(assignment, cst.Assign):
        (target,) = assignment.targets
        return assignment.with_changes(
            targets=[target.with_changes(target=_renamed_reference(target.target, new_name))],
            value=_with_layer_name_suffix(assignment.value, suffix),
        )
    if isinstance(assignment, cst.AnnAssign) and assignment.value is not None:
        return assignment.with_changes(
            target=_renamed_reference(assignment.target, new_name),
            value=_with_layer_name_suffix(assignment.value, suffix),
        )
    raise FixError(f"cannot duplicate `{_code(assignment)}`")


def _with_layer_name_suffix(value: cst.BaseExpression, suffix: str) -> cst.BaseExpression:
    """`Layer(..., name="bn")` -> `Layer(..., name="bn_1")`: Keras refuses duplicate names."""
    if not isinstance(value, cst.Call):
        return value
    args = [
        arg.with_changes(value=_suffixed_string(arg.value, suffix) or arg.value)
        if arg.keyword is not None and arg.keyword.value == "name"
        else arg
        for arg in value.args
    ]
    return value.with_changes(args=args)


def _suffixed_string(node: cst.BaseExpression, suffix: str) -> cst.BaseExpression | None:
    """The string literal with `suffix` appended, or None when `node` is not a literal (a
    variable or call: its value is unknown here, so it is left as written)."""
    if isinstance(node, cst.SimpleString):
        return node.with_changes(
            value=f"{node.prefix}{node.quote}{node.raw_value}{suffix}{node.quote}"
        )
    if isinstance(node, cst.FormattedString):
        parts = list(node.parts)
        if parts and isinstance(parts[-1], cst.FormattedStringText):
            parts[-1] = parts[-1].with_changes(value=parts[-1].value + suffix)
        else:
            parts.append(cst.FormattedStringText(suffix))
        return node.with_changes(parts=parts)
    if isinstance(node, cst.ConcatenatedString):
        right = _suffixed_string(node.right, suffix)
        return node.with_changes(right=right) if right is not None else None
    return None


def _check_new_names_are_free(tree: ast.Module, request: SplitRequest) -> None:
    scope_node, taken = _scope_and_taken_names(tree, request)
    if scope_node is not None:
        first, last = statement_line_range(scope_node)
        outside = [
            f"{line}:{column}" for line, column in request.call_sites if not first <= line <= last
        ]
        if outside:
            raise FixError(
                f"call sites {', '.join(outside)} lie outside {_describe(scope_node)}: the "
                "document changed since the analysis, re-run it"
            )
    clashes = [name for name in request.new_names if name in taken]
    if clashes:
        where = _describe(scope_node) if scope_node is not None else "the module"
        raise FixError(
            f"cannot split {request.reference}: {', '.join(clashes)} already used in {where}; "
            "re-run the analysis to choose free names"
        )


def _scope_and_taken_names(
    tree: ast.Module, request: SplitRequest
) -> tuple[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | None, set[str]]:
    line = request.definition_line
    if request.scope == "attribute":
        class_node = innermost_scope(tree, line, (ast.ClassDef,))
        if class_node is None or class_node.name != request.class_name:
            raise FixError(f"line {line} is not in class {request.class_name} any more")
        return class_node, names_taken_in_class(class_node)
    if request.function_name is None:
        if innermost_scope(tree, line, (*FUNCTION_TYPES, ast.ClassDef)) is not None:
            raise FixError(f"line {line} is not at module level any more")
        return None, names_taken_in_module(tree)
    function_node = innermost_scope(tree, line, FUNCTION_TYPES)
    if function_node is None or function_node.name != request.function_name:
        raise FixError(f"line {line} is not in function {request.function_name} any more")
    return function_node, names_taken_in_function(function_node)


def _parse_with_ast(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as error:
        raise FixError(
            f"the document does not parse (line {error.lineno}: {error.msg}); "
            "fix the syntax error first"
        ) from error
    except ValueError as error:  # null bytes
        raise FixError(f"the document does not parse: {error}") from error


def _describe(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    return f"{kind} {node.name}"


def _replace_at(items: Sequence[Any], index: int, replacement: list[Any]) -> list[Any]:
    return [*items[:index], *replacement, *items[index + 1 :]]


def _is_identifier(name: object) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()
