"""Which plain tensor attributes a torch module's own methods move before using them.

`model.to("cuda")` leaves a plain tensor attribute on the CPU (LL302), but a forward pass that
reads it as `self.pe[: x.size(0)].to(x.device)`, or first rebinds it with
`self.pe = self.pe.to(x.device)`, moves it to its input's device on every call: the device never
mismatches. A cast (`model.double()`) still breaks it unless the forward follows the input's
dtype too (`.to(x)`, `.type_as(x)`, `.to(x.dtype)`; not a constant `.float()`).
`followed(model, attribute)` says which of the two the module's own code keeps it in step with.
"""

from __future__ import annotations

import ast

from layerlint.analysis.model_index import ClassModel
from layerlint.syntax import torch_moves
from layerlint.syntax.self_attributes import is_self

_NEUTRAL = {"shape", "size", "dtype", "device", "ndim", "dim", "numel", "is_cuda"}
"""Read through these, the tensor's values never meet another tensor."""
_BOTH = frozenset({torch_moves.DEVICE, torch_moves.DTYPE})


def followed(model: ClassModel, attribute: str) -> frozenset[str]:
    """`DEVICE` and/or `DTYPE` (`syntax.torch_moves`): what `self.<attribute>` follows outside
    `__init__`. A method that rebinds it moved (`self.pe = self.pe.to(x.device)`, at the top of
    its body or under an `if` that compares the device or dtype) makes it follow that
    everywhere, as the module's author meant; otherwise every read that meets another tensor
    must be moved where it is read (`self.pe[:n].to(x.device)`)."""
    methods = [method for name, method in model.methods.items() if name != "__init__"]
    rebound: frozenset[str] = frozenset()
    reads = _BOTH
    for method in methods:
        parents = {child: node for node in ast.walk(method) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(method):
            if not (isinstance(node, ast.Attribute) and node.attr == attribute
                    and is_self(node.value)):
                continue
            parent = parents.get(node)
            if isinstance(node.ctx, ast.Store):
                if isinstance(parent, ast.Assign) and _always_runs(parent, method, parents):
                    rebound |= _moved_in(parent.value, attribute, parents)
            elif not (isinstance(parent, ast.Attribute) and parent.attr in _NEUTRAL):
                reads &= _chain(node, parents)
    return rebound | reads


def _always_runs(statement: ast.stmt, method: ast.FunctionDef | ast.AsyncFunctionDef,
                 parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether `statement` runs on every call: in the method's body, or under an `if` that
    checks the device or dtype (`if x.device != self.pe.device:`), which it then makes hold."""
    parent = parents.get(statement)
    if parent is method:
        return True
    return (isinstance(parent, ast.If) and statement in parent.body and parents.get(parent) is method
            and any(isinstance(node, ast.Attribute) and node.attr in ("device", "dtype")
                    for node in ast.walk(parent.test)))


def _moved_in(value: ast.expr, attribute: str, parents: dict[ast.AST, ast.AST]) -> frozenset[str]:
    """What a rebinding's value follows: the moves of its reads of `self.<attribute>`."""
    aspects = [_chain(node, parents) for node in ast.walk(value)
               if isinstance(node, ast.Attribute) and node.attr == attribute and is_self(node.value)]
    return frozenset.intersection(*aspects) if aspects else frozenset()


def _chain(read: ast.AST, parents: dict[ast.AST, ast.AST]) -> frozenset[str]:
    """What the moves applied to `read` (through slicing and shape methods) follow:
    `self.pe.to(x.device).to(x.dtype)` follows both."""
    aspects: frozenset[str] = frozenset()
    node = read
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            node = parent
            continue
        call = parents.get(parent) if isinstance(parent, ast.Attribute) else None
        if not (isinstance(parent, ast.Attribute) and isinstance(call, ast.Call)
                and call.func is parent):
            return aspects
        if parent.attr in torch_moves.MOVE_METHODS:
            moved = torch_moves.changes(call)
            aspects |= moved - {torch_moves.DTYPE} if torch_moves.fixed_dtype(call) else moved
        elif parent.attr not in torch_moves.KEEPS_PLACE:
            return aspects
        node = call
