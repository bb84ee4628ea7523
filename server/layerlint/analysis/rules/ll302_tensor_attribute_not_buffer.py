"""LL302 tensor-attribute-not-buffer: a tensor kept as a plain attribute of an nn.Module.

What goes wrong: `nn.Module` moves, casts and saves only what is registered: parameters and
buffers. A tensor assigned as a plain attribute in `__init__` (`self.pos = torch.randn(8, 4)`)
stays where and what it was. Measured with torch 2.13 (CPU):
- `model.to(torch.float64)` leaves it float32, and the first matmul with it fails:
  `RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float`;
  `model.half()` leaves it float32 too, and where it is added to the float16 activations the
  sum is float32 again, so the next layer fails with `mat1 and mat2 must have the same dtype`;
  on a GPU, `model.to("cuda")` leaves it on the CPU and any non-scalar op with it raises
  `Expected all tensors to be on the same device`;
- `state_dict()` leaves it out: a randomly initialised tensor comes back different after
  `load_state_dict`, so the reloaded model's outputs differ from the saved one's.

Reported: `self.<name> = torch.<factory>(...)` in `__init__` (zeros, ones, eye, arange, randn,
tensor, from_numpy, ...), or a local made by one (`pe = torch.zeros(...)`, filled, then
`self.pe = pe.unsqueeze(0)`), that a method of the class reads, unless it is a 0-dimensional
`torch.tensor(<number>)` (PyTorch lets CPU scalars mix with any device and dtype) or wrapped in
`nn.Parameter`, and only with evidence in the module or the project (`save_evidence`) that a
module holding the class (itself, or a module that builds it) is moved, cast or saved:
`.to(...)`, `.cuda()`, `DataParallel(...)` (moves), `.half()`, `.double()`, `.bfloat16()`
(casts), `state_dict()`/`load_state_dict()` (saves). Silent where nothing is broken:
- a module that always stays on the CPU in float32 and is never saved runs correctly;
- a deterministic tensor (`torch.eye`, `torch.arange`, a sinusoidal table) of a module that is
  only saved and reloaded: the model rebuilt to load the checkpoint makes it again, the same,
  in `__init__`;
- `torch.save(model, path)` pickles the whole module, plain attributes included (torch 2.13:
  the reloaded tensor is equal);
- a move that the forward pass undoes itself, reading `self.pe.to(x.device)` (or rebinding
  `self.pe = self.pe.to(x.device)` first): a cast still breaks it unless it follows the
  input's dtype too (`.to(x)`, `.type_as(x)`), and the message then names only that failure;
- a cast that leaves it in the dtype it should have: `.float()` of a float32 tensor (a factory's
  default), any cast of an integer tensor (`torch.arange(max_len)`, `torch.zeros(n,
  dtype=torch.long)`: a module's casts leave integer tensors alone, buffers too), and a cast to
  float64 of a tensor that the forward pass only adds to the activations
  (`x + self.pe[: x.size(0)]`: torch promotes the sum to float64;
  `analysis/forward_moves.only_added`).

Warning: the code runs until the model is moved, cast or reloaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from layerlint.analysis.facts import BlockFacts, line_ref
from layerlint.analysis.forward_moves import followed, only_added
from layerlint.analysis.imports import qualified_name
from layerlint.analysis.model_index import ClassModel
from layerlint.analysis.rules.rule import Rule, RuleDocs
from layerlint.analysis.save_evidence import TORCH_KINDS, Use, elsewhere, use_span
from layerlint.findings import Finding, Related, Severity
from layerlint.fix_requests import RegisterBuffer
from layerlint.syntax.self_attributes import is_self, self_attribute
from layerlint.syntax.torch_moves import DEVICE, DTYPE, KEEPS_PLACE, dtype_named

CODE = "LL302"
NAME = "tensor-attribute-not-buffer"
SEVERITY = Severity.WARNING

# torch functions that create a tensor; the random ones give values a checkpoint must keep.
RANDOM_FACTORIES = {"rand", "randn", "randint", "randperm", "normal", "empty", "rand_like",
                    "randn_like", "bernoulli", "multinomial"}
FACTORIES = RANDOM_FACTORIES | {
    "zeros", "ones", "full", "eye", "arange", "linspace", "logspace", "tensor", "as_tensor",
    "from_numpy", "zeros_like", "ones_like", "full_like", "tril", "triu", "stack", "cat",
}
FLOAT32_FACTORIES = {"rand", "randn", "normal", "empty", "zeros", "ones", "eye", "linspace",
                     "logspace"}
"""Factories whose tensor is float32 unless a `dtype=` says otherwise (torch's default dtype)."""
INTEGER_FACTORIES = {"randint", "randperm"}
"""Factories whose tensor is int64 unless a `dtype=` says otherwise (`arange` of ints too)."""
INTEGER_DTYPES = {"int8", "int16", "int32", "int64", "long", "int", "uint8", "bool", "short"}
Tensor = tuple[str, str]
"""The factory that made a tensor, and its dtype where the code says it ("" where not)."""


def check(facts: BlockFacts) -> Iterable[Finding]:
    for model in facts.classes:
        if facts.frameworks.get(model.name) != "torch" or "__init__" not in model.methods:
            continue
        read = _attributes_read(model)
        assignments = [(statement, attribute, factory) for statement, attribute, factory
                       in _tensor_assignments(model.methods["__init__"], facts) if attribute in read]
        uses = facts.evidence.of(model.name, TORCH_KINDS) if assignments else []
        if not uses:
            continue  # nothing moves, casts or saves it: the attribute is harmless
        for statement, attribute, (factory, dtype) in assignments:
            follows = followed(model, attribute)
            added = only_added(model, attribute)
            evidence = [use for use in uses if _breaks(use, factory, dtype, follows, added)]
            if evidence:
                kept_up = follows | ({DTYPE} if dtype in INTEGER_DTYPES else set())
                yield _finding(facts, model, statement, attribute, factory, kept_up, added,
                               evidence[0])


def _breaks(use: Use, factory: str, dtype: str, follows: frozenset[str], added: bool) -> bool:
    """Whether `use` of a module holding the tensor (made by `factory`, in `dtype`) breaks it.
    A deterministic tensor left out of a checkpoint is made again, the same, by `__init__` when
    the model is rebuilt to load it; a move or cast the forward pass undoes itself
    (`forward_moves`) breaks nothing. Nor does a cast to the tensor's own dtype (`.float()` of
    a float32 table), a cast of a module holding an integer tensor (a module's casts leave
    integer tensors alone, buffers too), or a cast to float64 where the tensor is only added to
    the activations (`forward_moves.only_added`: the sum is promoted to float64)."""
    if use.kind == "state":
        return factory in RANDOM_FACTORIES
    if use.kind == "move":
        return DEVICE not in follows
    if DTYPE in follows or dtype in INTEGER_DTYPES or (use.dtype and use.dtype == dtype):
        return False
    return not (use.dtype == "float64" and added)


def _tensor_assignments(
    init: ast.FunctionDef | ast.AsyncFunctionDef, facts: BlockFacts
) -> Iterable[tuple[ast.Assign, str, Tensor]]:
    """`self.<name> = <tensor>` in `__init__`, with the factory that made the tensor (and its
    dtype): called there, or earlier into a local (`pe = torch.zeros(...)`, filled, then
    `self.pe = pe.unsqueeze(0)`), reshaped on the way (`syntax.torch_moves.KEEPS_PLACE`)."""
    assignments = sorted((node for node in ast.walk(init)
                          if isinstance(node, ast.Assign) and len(node.targets) == 1),
                         key=lambda node: (node.lineno, node.col_offset))
    tensors: dict[str, Tensor] = {}  # local name -> the tensor it holds
    for node in assignments:
        target = node.targets[0]
        factory = _tensor_factory(node.value, tensors, facts)
        if isinstance(target, ast.Name):
            if factory is None:
                tensors.pop(target.id, None)
            else:
                tensors[target.id] = factory
            continue
        attribute = self_attribute(target)
        if attribute is not None and factory is not None:
            yield node, attribute, factory


def _tensor_factory(value: ast.expr, tensors: dict[str, Tensor], facts: BlockFacts
                    ) -> Tensor | None:
    """The factory (and dtype) of the tensor `value` is: a factory call, or a local that holds
    one, reshaped, sliced or scaled by a number (`pe.unsqueeze(0)`, `table[None]`,
    `torch.randn(n, d) * 0.02`)."""
    while True:
        if isinstance(value, ast.Subscript):
            value = value.value
        elif isinstance(value, ast.BinOp) and _is_number(value.right):
            value = value.left
        elif isinstance(value, ast.BinOp) and _is_number(value.left):
            value = value.right
        elif (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
              and value.func.attr in KEEPS_PLACE):
            value = value.func.value
        else:
            break
    if isinstance(value, ast.Name):
        return tensors.get(value.id)
    if not isinstance(value, ast.Call):
        return None
    factory = _factory(value, facts)
    return None if factory is None else (factory, _dtype(value, factory))


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _dtype(call: ast.Call, factory: str) -> str:
    """The dtype of the tensor a factory call makes, where the call or torch's default says."""
    for keyword in call.keywords:
        if keyword.arg == "dtype":
            return dtype_named(keyword.value)
    if factory in INTEGER_FACTORIES:
        return "int64"
    if factory == "arange":  # int64 unless a bound or step is a float
        return "" if any(not _is_integer(argument) for argument in call.args) else "int64"
    return "float32" if factory in FLOAT32_FACTORIES else ""


def _is_integer(node: ast.expr) -> bool:
    """A literal int, or a name or attribute (`max_len`, `config.block_size`): read as an int,
    as sizes are."""
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    return isinstance(node, (ast.Name, ast.Attribute))


def _factory(call: ast.Call, facts: BlockFacts) -> str | None:
    """The torch factory `call` uses, unless it makes a harmless 0-d scalar."""
    qualified = qualified_name(call.func, facts.imports) or ""
    if not qualified.startswith("torch.") or qualified.count(".") != 1:
        return None
    name = qualified.split(".", 1)[1]
    if name not in FACTORIES:
        return None
    if name in ("tensor", "as_tensor") and call.args and isinstance(call.args[0], ast.Constant):
        return None  # a 0-d CPU scalar mixes with any device and dtype
    return name


def _attributes_read(model: ClassModel) -> set[str]:
    """`self.<name>` read by a method other than `__init__`."""
    return {
        node.attr
        for name, method in model.methods.items() if name != "__init__"
        for node in ast.walk(method)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and is_self(node.value)
    }


def _finding(
    facts: BlockFacts, model: ClassModel, statement: ast.Assign, attribute: str, factory: str,
    kept_up: frozenset[str], added: bool, use: Use,
) -> Finding:
    """`kept_up`: what a move or cast leaves as it should (`followed`, an integer tensor's
    dtype); `added`: every read only adds it to the activations (`only_added`)."""
    failures = {DEVICE: _DEVICE_FAILURE, DTYPE: _ADDED_CAST_FAILURE if added else _CAST_FAILURE}
    remaining = [(aspect, failure) for aspect, failure in failures.items()
                 if aspect not in kept_up]
    left_behind = [
        f"model.to({'/'.join(aspect for aspect, _ in remaining)}) leaves it behind "
        f"({'; '.join(failure for _, failure in remaining)})"] if remaining else []
    saved = ("state_dict() does not save it, so a reloaded model draws new random values"
             if factory in RANDOM_FACTORIES else "state_dict() does not save it either")
    message = (
        f"self.{attribute} is a plain tensor attribute of {model.name}, not a buffer: "
        f"{', and '.join([*left_behind, saved])}. "
        f"Register it with self.register_buffer(\"{attribute}\", ...). {_evidence(use, facts)}"
    )
    fix = RegisterBuffer(title=f"Register self.{attribute} as a buffer", class_name=model.name,
                         attribute=attribute, definition_line=statement.lineno,
                         persistent=factory in RANDOM_FACTORIES)
    related = () if use.where else (
        Related(use_span(use, facts.line_offset),
                f"a module holding {model.name} is {_DONE[use.kind][1]} here"),)
    return Finding(CODE, NAME, SEVERITY, facts.span(statement.targets[0]), message, related,
                   fixes=(fix,))


_DEVICE_FAILURE = ("on a GPU the forward pass fails with "
                   "\"Expected all tensors to be on the same device\"")
_CAST_FAILURE = ("after .to(torch.float64) a matmul with it fails with "
                 "\"expected m1 and m2 to have the same dtype\"")
_ADDED_CAST_FAILURE = ("after .half() adding it makes the activations float32 again, and the next "
                       "layer fails with \"mat1 and mat2 must have the same dtype\"")
"""What a move, and a cast, that leave the tensor behind break (torch 2.13); a tensor only added
to the activations survives a cast to float64 (the sum is promoted), not one to float16."""
_DONE = {"move": ("moves", "moved"), "cast": ("casts", "cast"), "state": ("saves", "saved")}


def _evidence(use: Use, facts: BlockFacts) -> str:
    where = (elsewhere(use) if use.where
             else f"on line {line_ref(use.line - facts.line_offset)}")
    return f"`{use.text}` {where} {_DONE[use.kind][0]} a module holding it."


RULE = Rule(
    code=CODE,
    name=NAME,
    severity=SEVERITY,
    summary="A tensor kept as a plain nn.Module attribute: .to() and state_dict() skip it.",
    fix_title="Register it with self.register_buffer(...).",
    fix_safety="unsafe",
    severity_by_evidence={
        Severity.WARNING: "when a module holding it is moved, cast or saved (otherwise not reported)",
    },
    check=check,
    docs=RuleDocs(
        what_goes_wrong=__doc__ or "",
        example="""\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)
        self.pos = torch.randn(8, 4)  # LL302: .to() and state_dict() skip it

    def forward(self, x):
        return self.linear(x + self.pos)


model = Net().half()
""",
        fix=(
            "`self.register_buffer(\"<name>\", <value>)`: moved and cast with the module; saved in the "
            "state_dict when the value is random (`persistent=False` for deterministic values such as "
            "`torch.eye`, so existing checkpoints still load)."
        ),
        fix_safety=(
            "A persistent buffer adds a state_dict key (old checkpoints then fail a strict load), and "
            ".to() now moves or casts the tensor."
        ),
        when_to_ignore=(
            "When the tensor is deliberately left out of checkpoints and the module never changes "
            "device or dtype; or make it a non-persistent buffer (`persistent=False`), which moves with"
            " the module but is not saved."
        ),
    ),
)
