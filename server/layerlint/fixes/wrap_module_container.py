"""Quick-fix "Wrap self.blocks in nn.ModuleList" (LL301): register modules kept in a container.

The assignment that creates the plain container gets its value wrapped, everything else stays:

    self.blocks = [nn.Linear(4, 4) for _ in range(3)]   ->  nn.ModuleList([... for _ in range(3)])
    self.pair = (nn.Linear(4, 4), nn.Linear(4, 4))      ->  nn.ModuleList([..., ...])
    self.heads = {}                                      ->  nn.ModuleDict()
    self.blocks = layers                                 ->  nn.ModuleList(layers)

`append`, `extend`, `+=`, item assignment, iteration and indexing work the same on the
wrapped containers, so later code needs no change. The wrapper is spelled through the module's
imports (`nn.`, `torch.nn.`), adding `import torch` when none reaches it.

`data`: class_name, attribute, wrapper (ModuleList, ModuleDict, ParameterList, ParameterDict),
definition_line (1-based line of the assignment in the module).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

from layerlint.fix_requests import WrapModuleContainer
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import rewrite_class, visit_with_positions
from layerlint.fixes.import_names import add_import, parse
from layerlint.syntax.import_names import reference

_WRAPPERS = ("ModuleList", "ModuleDict", "ParameterList", "ParameterDict")
_CONVERSIONS = ("list", "tuple", "dict")


def apply(source: str, request: WrapModuleContainer) -> str:
    class_name, attribute = request.class_name, request.attribute
    wrapper, line = request.wrapper, request.definition_line
    if wrapper not in _WRAPPERS:
        raise FixError(f"unknown container {wrapper!r}")
    spelled, import_statement = reference(parse(source), f"torch.nn.{wrapper}")
    wrapper_expression = cst.parse_expression(spelled)

    def transform(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
        rewriter = _WrapValue(attribute, line - first_line + 1, wrapper_expression)
        new_node = visit_with_positions(node, rewriter)
        if not rewriter.done:
            raise FixError(f"no assignment to self.{attribute} on line {line}: re-run the analysis")
        return new_node

    fixed = rewrite_class(source, class_name, transform, line)
    return add_import(fixed, import_statement)


class _WrapValue(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, attribute: str, line: int, wrapper: cst.BaseExpression) -> None:
        super().__init__()
        self.attribute, self.line, self.wrapper = attribute, line, wrapper
        self.done = False

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if self._is_target(original, [target.target for target in original.targets]):
            return updated.with_changes(value=self._wrapped(updated.value))
        return updated

    def leave_AnnAssign(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        if updated.value is not None and self._is_target(original, [original.target]):
            return updated.with_changes(value=self._wrapped(updated.value))
        return updated

    def _is_target(self, node: cst.CSTNode, targets: list[cst.BaseExpression]) -> bool:
        if self.done or self.get_metadata(PositionProvider, node).start.line != self.line:
            return False
        return any(
            isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
            and target.value.value == "self" and target.attr.value == self.attribute
            for target in targets
        )

    def _wrapped(self, value: cst.BaseExpression) -> cst.Call:
        self.done = True
        if isinstance(value, (cst.List, cst.Dict)) and not value.elements:
            return cst.Call(self.wrapper)
        if isinstance(value, cst.Tuple):
            value = cst.List(elements=value.elements)
        elif (
            isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
            and value.func.value in _CONVERSIONS and len(value.args) <= 1
        ):
            if not value.args:
                return cst.Call(self.wrapper)
            value = value.args[0].value
        return cst.Call(self.wrapper, args=[cst.Arg(value)])
