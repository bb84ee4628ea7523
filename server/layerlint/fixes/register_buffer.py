"""Quick-fix "Register self.pos as a buffer" (LL302): a plain tensor attribute becomes a buffer.

    self.pos = torch.randn(8, 4)   ->   self.register_buffer("pos", torch.randn(8, 4))
    self.basis = torch.eye(4)      ->   self.register_buffer("basis", torch.eye(4), persistent=False)

Reads of `self.pos` keep working (a buffer is an attribute too); `.to()` now moves and casts it.
Random values are persistent (saved in the state_dict, so a reloaded model gets the same ones);
deterministic ones are not, so checkpoints saved before the fix still load with strict=True.

`data`: class_name, attribute, definition_line, persistent (bool).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

from layerlint.fix_requests import RegisterBuffer
from layerlint.fixes import FixError
from layerlint.fixes.class_rewrite import rewrite_class, visit_with_positions


def apply(source: str, request: RegisterBuffer) -> str:
    class_name, attribute = request.class_name, request.attribute
    line, persistent = request.definition_line, request.persistent

    def transform(node: cst.ClassDef, first_line: int) -> cst.ClassDef:
        rewriter = _ToBuffer(attribute, line - first_line + 1, persistent)
        new_node = visit_with_positions(node, rewriter)
        if not rewriter.done:
            raise FixError(f"no assignment to self.{attribute} on line {line}: re-run the analysis")
        return new_node

    return rewrite_class(source, class_name, transform, line)


class _ToBuffer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, attribute: str, line: int, persistent: bool) -> None:
        super().__init__()
        self.attribute, self.line, self.persistent = attribute, line, persistent
        self.done = False

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.BaseSmallStatement:
        if self.done or self.get_metadata(PositionProvider, original).start.line != self.line:
            return updated
        (target,) = [t.target for t in updated.targets] if len(updated.targets) == 1 else [None]
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                and target.value.value == "self" and target.attr.value == self.attribute):
            return updated
        self.done = True
        arguments = [cst.Arg(cst.SimpleString(f'"{self.attribute}"')), cst.Arg(updated.value)]
        if not self.persistent:
            arguments.append(cst.Arg(cst.Name("False"), keyword=cst.Name("persistent"),
                                     equal=cst.AssignEqual(cst.SimpleWhitespace(""),
                                                           cst.SimpleWhitespace(""))))
        call = cst.Call(cst.Attribute(cst.Name("self"), cst.Name("register_buffer")), arguments)
        return cst.Expr(call)
