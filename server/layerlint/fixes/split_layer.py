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

The request (`fix_requests.SplitLayer`), as the analysis sends it: scope ("attribute" for
`self.<name>` of a class, "variable" for a local or module-level variable), class_name,
function_name (innermost; None at module level), name, new_names (one per call site, in
call-site order), definition_line (1-based), call_sites ([line, column] of the start of each
callee, 1-based, column in characters), and for calls through a local alias of the attribute
(`bn = self.bn`; `bn(a)`; `bn(b)`) alias and alias_line: each site then calls `self.bn_1`,
`self.bn_2`, and the alias statement is removed. This module checks that request against the
module (scope, free names) and picks the block; `split_rewriter` does the libcst rewrite.
"""

from __future__ import annotations

import ast

from layerlint.fix_requests import SplitLayer
from layerlint.fixes import FixError
from layerlint.fixes.split_rewriter import rewrite_block
from layerlint.fixes.text_blocks import enclosing_block, statement_line_range
from layerlint.syntax.scope_names import (
    FUNCTION_TYPES,
    innermost_scope,
    names_taken_in_class,
    names_taken_in_function,
    names_taken_in_module,
)

__all__ = ["apply"]


def apply(source: str, request: SplitLayer) -> str:
    """Return the whole module text with the layer split; FixError if the text no longer fits."""
    tree = _parse_with_ast(source)
    _check_new_names_are_free(tree, request)
    site_lines = [line for line, _ in request.call_sites]
    alias_lines = [request.alias_line] if request.alias_line is not None else []
    block = enclosing_block(source, tree, [request.definition_line, *site_lines, *alias_lines])
    if block is None:
        raise FixError(
            f"line {request.definition_line} or a call site of {request.reference} is not "
            "inside any statement: the document changed since the analysis, re-run it"
        )
    return block.splice(rewrite_block(block.text, request, line_offset=block.first_line - 1))


def _check_new_names_are_free(tree: ast.Module, request: SplitLayer) -> None:
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
    tree: ast.Module, request: SplitLayer
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
    if not isinstance(function_node, FUNCTION_TYPES) or function_node.name != request.function_name:
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

