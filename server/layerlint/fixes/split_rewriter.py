"""The libcst transformation behind the split-layer fix, run on one top-level block.

It duplicates the statement that constructs the layer once per new name (same arguments, same
comments, a `name=` keyword given the new suffix) and renames the callee at each call-site
position. When the calls go through a local alias (`bn = self.bn`; `bn(a)`), each call site
calls its own `self.bn_N` and the alias statement goes. Positions are matched with libcst's
PositionProvider, whose columns count characters like the fix data's; lines are shifted by the
block's offset in the module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.metadata import PositionProvider

from layerlint.fix_requests import SplitLayer
from layerlint.fixes import FixError
from layerlint.fixes.cst_blocks import rewrite_block_with

SiteKey = tuple[int, int]  # (line, 0-based column) inside the parsed block


def rewrite_block(block_text: str, request: SplitLayer, line_offset: int) -> str:
    """Split the layer inside `block_text`, whose first line is line `line_offset + 1` of the
    module; returns the block's new text."""
    return rewrite_block_with(
        block_text, _SplitRewriter(request, line_offset), "the code around the layer"
    )


class _SplitRewriter(cst.CSTTransformer):
    """Duplicates the definition and renames the callees found at the call-site positions."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, request: SplitLayer, line_offset: int) -> None:
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
        self.alias_line = (
            request.alias_line - line_offset if request.alias_line is not None else None
        )
        self.alias_removed = False

    # Call sites

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        keys = [key for key in self._site_keys(original_node.func) if key in self.new_name_at]
        if not keys or keys[0] in self.renamed:
            return updated_node
        key = keys[0]
        if not self._is_call_site_reference(original_node.func):
            # `self.bn(x)(y)`: the outer call's callee starts where the inner one does, so a
            # mismatch only counts if no call at this position matches.
            self.found_at_site.setdefault(key, _code(original_node.func))
            return updated_node
        self.renamed.add(key)
        new_name = self.new_name_at[key]
        if self.request.alias is not None:
            self_reference = cst.Attribute(value=cst.Name("self"), attr=cst.Name(new_name))
            return updated_node.with_changes(func=self_reference)
        return updated_node.with_changes(func=_renamed_reference(updated_node.func, new_name))

    def _is_call_site_reference(self, node: cst.BaseExpression) -> bool:
        if self.request.alias is not None:
            return isinstance(node, cst.Name) and node.value == self.request.alias
        return self._is_layer_reference(node)

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
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine] | cst.RemovalSentinel:
        alias = self._alias_index(original_node)
        if alias is not None:
            self.alias_removed = True
            if len(updated_node.body) == 1:
                return cst.RemoveFromParent()
            body = [*updated_node.body[:alias], *updated_node.body[alias + 1:]]
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(body=body)
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

    def _alias_index(self, statement: cst.SimpleStatementLine) -> int | None:
        """Where `alias = self.<name>` sits in the statement line on the alias line."""
        if self.alias_line is None:
            return None
        for index, small in enumerate(statement.body):
            if self.get_metadata(PositionProvider, small).start.line != self.alias_line:
                continue
            targets = _assigned_targets(small)
            if (
                len(targets) == 1 and isinstance(targets[0], cst.Name)
                and targets[0].value == self.request.alias
                and isinstance(small, cst.Assign) and self._is_layer_reference(small.value)
            ):
                return index
        return None

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
        if request.alias is not None and not self.alias_removed:
            raise FixError(
                f"line {request.alias_line} no longer assigns {request.alias} = "
                f"{request.reference}: the document changed since the analysis, re-run it"
            )
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
            seen = self.found_at_site.get(key)
            what = f"found `{seen}`" if seen else "found no call there"
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


def _replace_at(items: Sequence[Any], index: int, replacement: list[Any]) -> list[Any]:
    return [*items[:index], *replacement, *items[index + 1 :]]


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()
