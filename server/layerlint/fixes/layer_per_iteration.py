"""Quick-fix "Give each iteration its own bn (self.bns[i])": one layer per loop iteration.

A layer with per-input state (BatchNormalization's moving statistics, weights bound to the first
input) called inside a loop is one layer shared by every iteration. When the loop counts with
its own variable and the constructor knows the count (the analysis proves both, see
`analysis.reuse.iteration_loop` and `count_known_at`), a list indexed by that variable gives
each iteration its own layer:

    self.depth = depth                      self.depth = depth
    self.bn = BatchNormalization()    ->    self.bns = [BatchNormalization() for _ in range(self.depth)]
    ...                                     ...
    for i in range(self.depth):             for i in range(self.depth):
        x = self.bn(self.convs[i](x))           x = self.bns[i](self.convs[i](x))

The construction keeps its arguments and comments. A `name="bn"` keyword becomes
`name=f"bn_{index}"` with `index` the comprehension's variable, so the layers are `bn_0`,
`bn_1`, ... like their list positions: Keras accepts duplicate names inside a layer but then
gives their weights the same paths (`stack/bn/gamma` three times), which breaks checkpoints
keyed by path. torch modules go into the module's `nn.ModuleList` (a plain list hides them from
`parameters()`, `.to()` and `state_dict()`); the analysis says how the module spells it.

The request (`fix_requests.LayerPerIteration`), as the analysis sends it: class_name, name,
new_name, index (the loop variable), count (code for the iteration count, valid where the layer
is built: `3`, `self.depth`, `len(self.blocks)`), container (`nn.ModuleList` or None),
definition_line (1-based) and call_sites ([line, column] of each callee, 1-based, column in
characters). Before rewriting, the fix checks that the text still fits: the class, the
definition, a call of `self.<name>` at each site, directly inside a `for` loop over `index`, and
a free new name.
"""

from __future__ import annotations

import ast
from itertools import chain
from itertools import count as numbers
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider

from layerlint.fix_requests import LayerPerIteration
from layerlint.fixes import FixError
from layerlint.fixes.cst_blocks import rewrite_block_with
from layerlint.fixes.import_names import parse
from layerlint.fixes.text_blocks import enclosing_block, statement_line_range
from layerlint.syntax.scope_names import innermost_scope, names_taken_in_class

SiteKey = tuple[int, int]  # (line, 0-based column) inside the parsed block
_NESTED_SCOPES = (
    cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp,
    cst.GeneratorExp,
)
"""Between the loop and the call, these would make `i` a closure or another variable."""


def apply(source: str, request: LayerPerIteration) -> str:
    """Return the whole module text with one layer per iteration; FixError if the text no
    longer fits the request."""
    tree = parse(source)
    class_node = innermost_scope(tree, request.definition_line, (ast.ClassDef,))
    if class_node is None or class_node.name != request.class_name:
        raise FixError(
            f"line {request.definition_line} is not in class {request.class_name} any more: "
            "the document changed since the analysis, re-run it"
        )
    first, last = statement_line_range(class_node)
    outside = [f"{line}:{column}" for line, column in request.call_sites if not first <= line <= last]
    if outside:
        raise FixError(
            f"call sites {', '.join(outside)} lie outside class {request.class_name}: the "
            "document changed since the analysis, re-run it"
        )
    if request.new_name in names_taken_in_class(class_node):
        raise FixError(
            f"{request.new_name} is already used in class {request.class_name}; re-run the "
            "analysis to choose a free name"
        )
    lines = [request.definition_line, *(line for line, _ in request.call_sites)]
    block = enclosing_block(source, tree, lines)
    if block is None:  # pragma: no cover - the class's lines are inside a top-level statement
        raise FixError(f"cannot locate class {request.class_name}")
    return block.splice(_rewrite_block(block.text, request, block.first_line - 1))


def _rewrite_block(block_text: str, request: LayerPerIteration, line_offset: int) -> str:
    return rewrite_block_with(
        block_text, _PerIterationRewriter(request, line_offset), f"class {request.class_name}"
    )


class _PerIterationRewriter(cst.CSTTransformer):
    """Turns the definition into a list of layers and indexes the callee at each call site."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, request: LayerPerIteration, line_offset: int) -> None:
        super().__init__()
        self.request = request
        self.line_offset = line_offset
        self.sites: set[SiteKey] = {
            (line - line_offset, column - 1) for line, column in request.call_sites
        }
        self.renamed: set[SiteKey] = set()
        self.problem_at: dict[SiteKey, str] = {}
        self.definition_found = False
        self.found_at_definition: list[str] = []
        self.frames: list[tuple[cst.For | None, CodeRange | None]] = []
        """Enclosing `for` loops (with their body's range) and nested scopes (None)."""

    # Where a call sits: its innermost loop, unless a nested scope comes first.

    def visit_For(self, node: cst.For) -> None:
        self.frames.append((node, self.get_metadata(PositionProvider, node.body)))

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        self.frames.pop()
        return updated_node

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED_SCOPES):
            self.frames.append((None, None))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if isinstance(original_node, _NESTED_SCOPES):
            self.frames.pop()
        return super().on_leave(original_node, updated_node)

    # Call sites

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        keys = [key for key in self._site_keys(original_node.func) if key in self.sites]
        if not keys or keys[0] in self.renamed:
            return updated_node
        key = keys[0]
        if not self._is_layer_reference(original_node.func):
            # `self.bn(x)(y)`: the outer callee starts where the inner one does.
            self.problem_at.setdefault(key, f"found `{_code(original_node.func)}`")
            return updated_node
        problem = self._loop_problem(key)
        if problem is not None:
            self.problem_at[key] = problem
            return updated_node
        self.renamed.add(key)
        func = updated_node.func
        assert isinstance(func, cst.Attribute)
        indexed = cst.Subscript(
            value=func.with_changes(attr=func.attr.with_changes(value=self.request.new_name)),
            slice=[cst.SubscriptElement(slice=cst.Index(value=cst.Name(self.request.index)))],
        )
        return updated_node.with_changes(func=indexed)

    def _site_keys(self, func: cst.BaseExpression) -> list[SiteKey]:
        positions = [self.get_metadata(PositionProvider, func).start]
        if isinstance(func, cst.Attribute):
            # In `(self.bn)(x)` libcst's range starts at the parenthesis, ast's at `self`.
            positions.append(self.get_metadata(PositionProvider, func.value).start)
        return [(position.line, position.column) for position in positions]

    def _loop_problem(self, key: SiteKey) -> str | None:
        """Why `[index]` at this call would not be the current iteration's number, or None."""
        index = self.request.index
        loop, body = self.frames[-1] if self.frames else (None, None)
        if loop is None or body is None:
            return f"the call is not directly inside a `for {index} in ...` loop"
        inside_body = (body.start.line, body.start.column) <= key <= (body.end.line, body.end.column)
        if not inside_body or not _binds_index(loop.target, index):
            return f"the loop around the call does not count with `{index}`"
        return None

    def _is_layer_reference(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and node.attr.value == self.request.name
        )

    # The definition

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        return self._rewrite_definition(original_node, updated_node)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        return self._rewrite_definition(original_node, updated_node)

    def _rewrite_definition(self, original_node, updated_node):
        definition_line = self.request.definition_line - self.line_offset
        body = list(updated_node.body)
        for index, small in enumerate(original_node.body):
            if self.get_metadata(PositionProvider, small).start.line != definition_line:
                continue
            if not (
                isinstance(small, cst.Assign) and len(small.targets) == 1
                and self._is_layer_reference(small.targets[0].target)
            ):
                self.found_at_definition.append(_code(small))
                continue
            if not isinstance(small.value, cst.Call):
                raise FixError(
                    f"line {self.request.definition_line} assigns self.{self.request.name} "
                    f"from `{_code(small.value)}`, not a constructor call"
                )
            self.definition_found = True
            assignment = body[index]
            assert isinstance(assignment, cst.Assign)
            (target,) = assignment.targets
            assert isinstance(target.target, cst.Attribute)  # a layer reference, checked above
            renamed = target.target.with_changes(
                attr=target.target.attr.with_changes(value=self.request.new_name)
            )
            body[index] = assignment.with_changes(
                targets=[target.with_changes(target=renamed)],
                value=self._layer_list(assignment.value),
            )
        return updated_node.with_changes(body=body)

    def _layer_list(self, construction: cst.BaseExpression) -> cst.BaseExpression:
        """`Ctor(args)` -> `[Ctor(args) for _ in range(count)]`, inside the container if any."""
        assert isinstance(construction, cst.Call)
        named = any(arg.keyword is not None and arg.keyword.value == "name"
                    for arg in construction.args)
        variable = _comprehension_variable(construction, named)
        if named:
            construction = _with_indexed_name(construction, variable)
        layers: cst.BaseExpression = cst.ListComp(
            elt=construction,
            for_in=cst.CompFor(
                target=cst.Name(variable),
                iter=cst.Call(func=cst.Name("range"),
                              args=[cst.Arg(cst.parse_expression(self.request.count))]),
            ),
        )
        if self.request.container:
            layers = cst.Call(func=cst.parse_expression(self.request.container),
                              args=[cst.Arg(layers)])
        return layers

    # Checks once the whole block was visited

    def raise_if_incomplete(self) -> None:
        request = self.request
        if not self.definition_found:
            found = "; found " + " / ".join(self.found_at_definition) if self.found_at_definition else ""
            raise FixError(
                f"line {request.definition_line} no longer assigns self.{request.name}{found}: "
                "the document changed since the analysis, re-run it"
            )
        for line, column in request.call_sites:
            key = (line - self.line_offset, column - 1)
            if key not in self.renamed:
                what = self.problem_at.get(key, "found no call there")
                raise FixError(
                    f"expected a call of self.{request.name} at line {line}, column {column} "
                    f"inside its loop, {what}: the document changed since the analysis, re-run it"
                )


def _binds_index(target: cst.BaseAssignTargetExpression, index: str) -> bool:
    """`for i in ...` or `for i, item in ...`: the first name the loop binds is `index`."""
    first = (target.elements[0].value if isinstance(target, (cst.Tuple, cst.List)) and target.elements
             else target)
    return isinstance(first, cst.Name) and first.value == index


def _comprehension_variable(construction: cst.Call, named: bool) -> str:
    """`_` when the layers need not know their position; otherwise `index` (or a variant),
    never a name the construction already reads, which the comprehension would shadow."""
    used = {node.id for node in ast.walk(ast.parse(_code(construction), mode="eval"))
            if isinstance(node, ast.Name)}
    candidates = ("index",) if named else ("_", "index")
    for candidate in chain(candidates, (f"index_{number}" for number in numbers(1))):
        if candidate not in used:
            return candidate
    raise AssertionError("unreachable: the numbered names are endless")


def _with_indexed_name(construction: cst.Call, variable: str) -> cst.Call:
    """`name="bn"` -> `name=f"bn_{index}"`: one distinct layer name per list position."""
    args = []
    for arg in construction.args:
        if arg.keyword is not None and arg.keyword.value == "name":
            arg = arg.with_changes(value=_indexed_string(arg.value, variable))
        args.append(arg)
    return construction.with_changes(args=args)


def _indexed_string(node: cst.BaseExpression, variable: str) -> cst.BaseExpression:
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.replace("u", "").replace("U", "")
        if "b" in prefix.lower():
            raise FixError(f"the layer name {node.value} is bytes, not a string")
        text = node.raw_value.replace("{", "{{").replace("}", "}}")
        return cst.parse_expression(f"f{prefix}{node.quote}{text}_{{{variable}}}{node.quote}")
    if isinstance(node, cst.FormattedString):
        return node.with_changes(parts=[
            *node.parts,
            cst.FormattedStringText("_"),
            cst.FormattedStringExpression(expression=cst.Name(variable)),
        ])
    if isinstance(node, cst.ConcatenatedString):
        return node.with_changes(right=_indexed_string(node.right, variable))
    raise FixError(
        f"the layer name `{_code(node)}` is not a string literal; one name would be given to "
        "every layer of the list"
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()
