"""Which plain tensor attributes a torch module's own methods move before using them.

`model.to("cuda")` leaves a plain tensor attribute on the CPU (LL302), but a forward pass that
reads it as `self.pe[: x.size(0)].to(x.device)`, or first rebinds it with
`self.pe = self.pe.to(x.device)`, moves it to its input's device on every call: the device never
mismatches. A cast (`model.double()`) still breaks it unless the forward follows the input's
dtype too (`.to(x)`, `.type_as(x)`, `.to(x.dtype)`; not a constant `.float()`).
`followed(model, attribute)` says which of the two the module's own code keeps it in step with.

`only_added(model, attribute)` says whether every read of it is an operand of elementwise
arithmetic with the activations (`x + self.pe[: x.size(0)]`): PyTorch promotes the mix of a
float64 activation and a float32 tensor to float64, so a cast to float64 breaks nothing there
(torch 2.13: `model.double()` runs and returns float64), while a matmul with it fails.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

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
    aspects: set[str] = set()

    def follow(method: str, call: ast.Call) -> bool:
        if method in torch_moves.MOVE_METHODS:
            moved = torch_moves.changes(call)
            aspects.update(moved - {torch_moves.DTYPE} if torch_moves.fixed_dtype(call) else moved)
            return True
        return method in torch_moves.KEEPS_PLACE

    _climb(read, parents, follow)
    return frozenset(aspects)


def _climb(read: ast.AST, parents: dict[ast.AST, ast.AST],
           through: Callable[[str, ast.Call], bool]) -> ast.AST:
    """`read` with what is applied to it: its slices, and each method call for which
    `through(method, call)` holds, up to the first other one."""
    node = read
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            node = parent
            continue
        call = parents.get(parent) if isinstance(parent, ast.Attribute) else None
        if not (isinstance(parent, ast.Attribute) and isinstance(call, ast.Call)
                and call.func is parent and through(parent.attr, call)):
            return node
        node = call


_ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_MOVES_OR_KEEPS = torch_moves.MOVE_METHODS | torch_moves.KEEPS_PLACE


def only_added(model: ClassModel, attribute: str) -> bool:
    """Whether every read of `self.<attribute>` outside `__init__` that meets another tensor is
    an operand of `+ - * /` whose other operand is neither a constant nor another attribute of
    `self` (so, the activations), read through slicing, shape methods, moves and scaling by a
    number (`self.pe[:n] * 0.1`); a read that rebinds the attribute itself
    (`self.pe = self.pe.to(x.device)`) passes it on unchanged."""
    reads = 0
    for name, method in model.methods.items():
        if name == "__init__":
            continue
        parents = {child: node for node in ast.walk(method) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(method):
            if not (isinstance(node, ast.Attribute) and node.attr == attribute
                    and is_self(node.value) and isinstance(node.ctx, ast.Load)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.attr in _NEUTRAL:
                continue
            outer = _outermost(node, parents)
            user = parents.get(outer)
            while _scaled(outer, user):  # `self.pe * scale`: still a float32 tensor
                assert user is not None
                outer, user = user, parents.get(user)
            if _rebinds(user, attribute):
                continue
            reads += 1
            if not _added_to_activations(outer, user):
                return False
    return reads > 0


def _outermost(read: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST:
    """`read` with the slicing, shape methods and moves applied to it (`self.pe[:n].to(x)`)."""
    return _climb(read, parents, lambda method, _: method in _MOVES_OR_KEEPS)


def _scaled(operand: ast.AST, user: ast.AST | None) -> bool:
    return (isinstance(user, ast.BinOp) and isinstance(user.op, _ELEMENTWISE)
            and isinstance(user.right if user.left is operand else user.left, ast.Constant))


def _rebinds(statement: ast.AST | None, attribute: str) -> bool:
    return isinstance(statement, ast.Assign) and any(
        isinstance(target, ast.Attribute) and target.attr == attribute and is_self(target.value)
        for target in statement.targets)


def _added_to_activations(operand: ast.AST, user: ast.AST | None) -> bool:
    if isinstance(user, ast.BinOp) and isinstance(user.op, _ELEMENTWISE):
        other = user.right if user.left is operand else user.left
    elif (isinstance(user, ast.AugAssign) and isinstance(user.op, _ELEMENTWISE)
          and user.value is operand):
        other = user.target
    else:
        return False
    return not (isinstance(other, ast.Constant) or _is_self_attribute(other))


def _is_self_attribute(node: ast.AST) -> bool:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        if isinstance(node, ast.Attribute) and is_self(node.value):
            return True
        node = node.value
    return False
