"""Decides which repeated layer calls are real reuse and what evidence each one carries.

Input: the occurrences one forward method (or functional scope) makes. Output: one
`ReuseCase` per repeated call that runs on the same execution path as an earlier call of the
same layer, or inside a loop, with the evidence the rules turn into a severity:
- proven mismatch: both inputs have known, different channel counts (a crash);
- chain: the repeated call consumes what the earlier call produced, through any operations
  (ops, arithmetic, transposes, other layers), with the same call mode (keyword arguments);
- indexed siblings: a loop around the call gives other layers one per iteration
  (`self.proj[i]`) while this one is shared by every iteration;
- an unused sibling: a layer of the same constructor was built but is never called.

It also decides when a quick-fix can be proven correct: a split (each call site its own layer)
and one layer per loop iteration (a list indexed by the loop's variable, whose length the
constructor knows).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

from layerlint.analysis.flow import LayerRef, Occurrence, is_exclusive
from layerlint.analysis.model_index import ClassModel, LayerDefinition, LayerSpec
from layerlint.syntax.self_attributes import self_attribute

Category = str
""""stateful" (moving statistics), "weighted", "random", or "stateless"."""


@dataclass(frozen=True)
class ReuseCase:
    ref: LayerRef
    spec: LayerSpec
    category: Category
    occurrence: Occurrence
    first: Occurrence | None
    """An earlier call on the same path; None when only a loop repeats the call."""
    report_node: ast.expr
    first_node: ast.expr | None
    in_loop: bool
    chain: bool
    first_channels: tuple[int, str | None] | None
    channels: tuple[int, str | None] | None
    unused_siblings: tuple[str, ...] = ()
    group: tuple[Occurrence, ...] = field(default=())
    single_use_siblings: tuple[str, ...] = ()
    """Other layers of the same class, each called once: the author gives positions their own."""
    indexed_siblings: tuple[str, ...] = ()
    """Layers a loop around the call indexes per iteration (`self.proj[i]`)."""
    self_applied: bool = False
    """The call takes exactly what an earlier call of the layer produced, nothing done to it
    in between (`Sequential([..., block, block])`, `block(block(x))`)."""

    @property
    def recurrent(self) -> bool:
        """The layer is applied repeatedly on purpose: a loop around one of the two calls feeds
        it its own output, with nothing indexed per iteration (an RNN cell over time steps),
        so a call that consumes another's output continues the recurrence (a cell run over
        the input, then on to predict what follows); or the call takes exactly what an earlier
        call of the layer produced, the same program as that loop written out."""
        sites = (self.occurrence,) if self.first is None else (self.first, self.occurrence)
        return self.self_applied or any(
            site.loop_chain and not site.indexed_siblings for site in sites)

    @property
    def proven_mismatch(self) -> bool:
        return (
            self.first_channels is not None
            and self.channels is not None
            and self.first_channels[0] != self.channels[0]
        )


def find_reuse(
    occurrences: list[Occurrence],
    spec_of: Callable[[LayerRef], LayerSpec | None],
    category_of: Callable[[LayerSpec], Category | None],
    siblings_unused: Callable[[LayerRef, LayerSpec], tuple[str, ...]] = lambda ref, spec: (),
) -> list[ReuseCase]:
    groups: dict[LayerRef, list[Occurrence]] = {}
    for occurrence in occurrences:
        groups.setdefault(occurrence.ref, []).append(occurrence)
    single_use: dict[str, list[str]] = {}
    for ref, group in groups.items():
        spec = spec_of(ref)
        if spec is not None and len(group) == 1 and not group[0].loops:
            single_use.setdefault(spec.class_name, []).append(ref.display)
    cases: list[ReuseCase] = []
    for ref, group in groups.items():
        spec = spec_of(ref)
        if spec is None:
            continue
        category = category_of(spec)
        if category in (None, "stateless"):
            continue
        unused = siblings_unused(ref, spec)
        for position, occurrence in enumerate(group):
            first = next(
                (earlier for earlier in group[:position] if not is_exclusive(earlier, occurrence)),
                None,
            )
            if first is None and not occurrence.loops:
                continue
            if first is not None:
                report_node, first_node = _divergence(occurrence, first)
                # `embedding(ids)` then `embedding(h, reverse=True)`: one layer in two modes
                # (tied input/output embeddings) is deliberate, not a chain slip.
                chain = first.id in occurrence.input.deps and _call_mode(first) == _call_mode(
                    occurrence
                )
                first_channels = _channels(first.input) or _constructor_channels(spec)
                channels = _channels(occurrence.input)
            else:
                report_node, first_node = occurrence.callee, None
                chain = occurrence.loop_chain
                first_channels = _channels(occurrence.input) or _constructor_channels(spec)
                channels = _channels(occurrence.loop_input)
            cases.append(ReuseCase(
                ref, spec, category, occurrence, first, report_node, first_node,
                bool(occurrence.loops), chain, first_channels, channels, unused, tuple(group),
                tuple(single_use.get(spec.class_name, ())), occurrence.indexed_siblings,
                occurrence.input.output_of in {earlier.id for earlier in group[:position]},
            ))
    return cases


_MODE_NEUTRAL_KEYWORDS = {"training", "mask"}


def _call_mode(occurrence: Occurrence) -> frozenset[tuple[str | None, str]]:
    """The keyword arguments that select what a call does (`reverse=True`), as written;
    `training` and `mask` only pass context along."""
    return frozenset(
        (keyword.arg, ast.dump(keyword.value) if isinstance(keyword.value, ast.Constant) else "")
        for keyword in occurrence.call.keywords
        if keyword.arg not in _MODE_NEUTRAL_KEYWORDS
    )


def _channels(value) -> tuple[int, str | None] | None:
    if value is None or value.channels is None:
        return None
    return value.channels, value.source


def _constructor_channels(spec: LayerSpec) -> tuple[int, str | None] | None:
    """The input channels a construction fixes (`nn.Linear(20, 64)` takes 20 features):
    what every call must pass, the first one included."""
    if spec.in_channels is None:
        return None
    return spec.in_channels, f"{spec.class_name}(in={spec.in_channels})"


def _divergence(occurrence: Occurrence, first: Occurrence) -> tuple[ast.expr, ast.expr]:
    """Where the two calls part ways: the helper invocations when one helper runs twice."""
    for depth, (mine, theirs) in enumerate(zip(occurrence.chain, first.chain)):
        if mine is not theirs:
            return occurrence.chain[depth].func, first.chain[depth].func
    shared = min(len(occurrence.chain), len(first.chain))
    return (occurrence.chain[shared].func if len(occurrence.chain) > shared else occurrence.callee,
            first.chain[shared].func if len(first.chain) > shared else first.callee)


def is_fixable_by_split(
    case: ReuseCase, single_simple_definition: bool, alias: str | None = None
) -> bool:
    """A split is correct when every call is a plain direct call outside loops and helpers, or
    every call goes through one local alias of the attribute (`bn = self.bn`; `bn(a)`, `bn(b)`)
    that `alias_binding` proved is used for nothing else."""
    return (
        single_simple_definition
        and case.ref.index is None
        and all(
            (o.direct or _calls_alias(o, alias)) and not o.chain and not o.loops
            for o in case.group
        )
        and len(case.group) >= 2
    )


def _calls_alias(occurrence: Occurrence, alias: str | None) -> bool:
    return alias is not None and isinstance(occurrence.callee, ast.Name) and (
        occurrence.callee.id == alias
    )


def alias_binding(case: ReuseCase, function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Assign | None:
    """`bn = self.bn` when every call of the case goes through that local alias, the alias is
    bound once, by a top-level statement of `function`, and read only by those calls (so the
    split can call `self.bn_1`/`self.bn_2` at the sites and drop the alias)."""
    if case.ref.scope != "attribute" or case.ref.index is not None or not case.group:
        return None
    callees = [o.callee for o in case.group if isinstance(o.callee, ast.Name)]
    if len(callees) != len(case.group):
        return None
    alias = callees[0].id
    if any(callee.id != alias for callee in callees) or alias == "self":
        return None
    stores = []
    loads = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and alias in node.names:
            return None
        if isinstance(node, ast.Name) and node.id == alias:
            if isinstance(node.ctx, ast.Load):
                loads.add(id(node))
            else:
                stores.append(node)
        elif isinstance(node, ast.arg) and node.arg == alias:
            return None
    if len(stores) != 1 or loads != {id(callee) for callee in callees}:
        return None
    for statement in function.body:
        if (
            isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and statement.targets[0] is stores[0]
            and self_attribute(statement.value) == case.ref.name
        ):
            return statement
    return None


# -- one layer per loop iteration -------------------------------------------------------------

_CONSTRUCTION_METHODS = ("__init__", "build")
_LENGTH_READERS = {"len", "enumerate", "zip", "reversed", "iter", "list", "tuple"}
"""Builtins that read a sequence without changing its length."""
_RESIZING_METHODS = {
    "append", "extend", "insert", "pop", "remove", "clear", "__setitem__", "__delitem__",
    "__iadd__", "__imul__",
}
_ONCE_BLOCKS = (ast.If, ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", ast.Try))
"""Blocks whose statements run at most once, in order: a definition inside them still runs
after the statements above the block."""


@dataclass(frozen=True)
class IterationCount:
    """How often a `for` loop runs, as code that means the same in `__init__`/`build` as in the
    forward method: a literal, `self.<attribute>` or `len(self.<attribute>)`."""

    kind: str
    """"literal", "attribute" (the attribute's value) or "length" (the attribute's length)."""
    value: int | str
    """The literal, or the attribute's name."""

    @property
    def code(self) -> str:
        if self.kind == "literal":
            return str(self.value)
        if self.kind == "attribute":
            return f"self.{self.value}"
        return f"len(self.{self.value})"


@dataclass(frozen=True)
class IterationLoop:
    """The one `for` loop around every call of a layer, read as `for <index> in range(<count>)`."""

    node: ast.For
    index: str
    count: IterationCount


def iteration_loop(case: ReuseCase) -> IterationLoop | None:
    """The loop, when `self.<names>[<index>]` would give each iteration its own layer.

    That holds when every call of `self.<name>` is a direct call in the body of one `for` loop
    of the forward method (no other loop around it, no helper in between), runs at most once
    per iteration (several calls only in exclusive arms), and the loop counts with a variable
    its body never rebinds: `for i in range(N)` or `for i, item in enumerate(self.items)`.
    Whether the count is known where the layer is built is `count_known_at`'s question.
    """
    if case.ref.scope != "attribute" or case.ref.index is not None or not case.group:
        return None
    loop = case.group[0].loop_node
    if not isinstance(loop, ast.For):
        return None
    if not all(
        o.direct and not o.chain and len(o.loops) == 1 and o.loop_node is loop for o in case.group
    ):
        return None
    if not all(is_exclusive(first, second) for first, second in combinations(case.group, 2)):
        return None
    counted = _counted_loop(loop)
    if counted is None or _rebinds(loop.body, counted[0]):
        return None
    return IterationLoop(loop, *counted)


def count_known_at(
    count: IterationCount, definition: LayerDefinition, model: ClassModel,
    base_classes: tuple[ast.ClassDef, ...] = (),
) -> bool:
    """Whether `count`, evaluated where `definition` builds the layer, equals what the loop sees.

    The definition must run once in `__init__` or `build` (at the top of the method or inside
    if/with/try). A literal always qualifies. An attribute must be assigned exactly once in the
    class (and never in its local base classes), by a top-level statement that runs before the
    definition: earlier in the same method, or in `__init__` for a layer built in `build()`.
    Its value must be an int literal or a parameter (`self.depth = depth`) for a count, or a
    freshly built sequence whose length nothing changes later (`self.blocks = [...]`,
    `nn.ModuleList([...])`) for a length.
    """
    method = model.methods.get(definition.method or "")
    if definition.method not in _CONSTRUCTION_METHODS or method is None:
        return False
    position = _top_level_position(method, definition.statement)
    if position is None:
        return False
    if count.kind == "literal":
        return True
    attribute = str(count.value)
    stores = _attribute_writes((model.node, *base_classes), attribute)
    if len(stores) != 1:
        return False
    earlier = [(method, method.body[:position])]
    init = model.methods.get("__init__")
    if definition.method == "build" and init is not None:
        earlier.append((init, init.body))
    for owner, statements in earlier:
        for statement in statements:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and statement.targets[0] is stores[0]):
                continue
            if count.kind == "attribute":
                return _is_int_or_parameter(statement.value, owner)
            return _is_fresh_sequence(statement.value) and _length_never_changes(
                model.node, attribute
            )
    return False


def _counted_loop(loop: ast.For) -> tuple[str, IterationCount] | None:
    """(index variable, count) of `for i in range(N)` / `for i, item in enumerate(self.x)`."""
    iterable, target = loop.iter, loop.target
    if not (
        isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name)
        and len(iterable.args) == 1 and not iterable.keywords
    ):
        return None
    argument = iterable.args[0]
    if iterable.func.id == "range" and isinstance(target, ast.Name):
        count = _count_of(argument)
        return (target.id, count) if count is not None else None
    if (
        iterable.func.id == "enumerate"
        and isinstance(target, ast.Tuple) and len(target.elts) == 2
        and isinstance(target.elts[0], ast.Name)
        and (attribute := self_attribute(argument)) is not None
    ):
        return target.elts[0].id, IterationCount("length", attribute)
    return None


def _count_of(node: ast.expr) -> IterationCount | None:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return IterationCount("literal", node.value)
    attribute = self_attribute(node)
    if attribute is not None:
        return IterationCount("attribute", attribute)
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
        and len(node.args) == 1 and not node.keywords
        and (attribute := self_attribute(node.args[0])) is not None
    ):
        return IterationCount("length", attribute)
    return None


def _rebinds(statements: list[ast.stmt], name: str) -> bool:
    """Whether the loop body assigns or deletes the index variable (then `[i]` is not the
    iteration's number any more)."""
    return any(
        isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
        for statement in statements for node in ast.walk(statement)
    )


def _top_level_position(
    method: ast.FunctionDef | ast.AsyncFunctionDef, statement: ast.stmt
) -> int | None:
    """Index of the top-level statement of `method` that runs `statement` once, or None when
    `statement` sits in a loop or a nested function (or not in `method` at all)."""
    for position, top in enumerate(method.body):
        if _runs_once(top, statement):
            return position
    return None


def _runs_once(node: ast.stmt, statement: ast.stmt) -> bool:
    if node is statement:
        return True
    if not isinstance(node, _ONCE_BLOCKS):
        return False
    blocks = [getattr(node, name, []) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(node, "handlers", [])]
    return any(_runs_once(child, statement) for block in blocks for child in block)


def _attribute_writes(classes: tuple[ast.ClassDef, ...], attribute: str) -> list[ast.Attribute]:
    """Every `self.<attribute>` assigned, augmented or deleted in `classes`."""
    return [
        node for class_node in classes for node in ast.walk(class_node)
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load)
        and self_attribute(node) == attribute
    ]


def _is_int_or_parameter(value: ast.expr, method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if isinstance(value, ast.Constant):
        return type(value.value) is int
    arguments = method.args
    parameters = [arg.arg for arg in (*arguments.posonlyargs, *arguments.args)][1:]
    parameters += [arg.arg for arg in arguments.kwonlyargs]
    return isinstance(value, ast.Name) and value.id in parameters


def _is_fresh_sequence(value: ast.expr) -> bool:
    """A sequence built right here, so no one else holds it: a display, a comprehension, or
    `list(...)`, `tuple(...)`, `ModuleList(...)`."""
    if isinstance(value, (ast.List, ast.Tuple, ast.ListComp)):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name in ("list", "tuple", "ModuleList")


def _length_never_changes(class_node: ast.ClassDef, attribute: str) -> bool:
    """Whether every read of `self.<attribute>` in the class leaves its length alone: iterated,
    indexed, passed to `len`/`enumerate`/`zip`..., or a method that does not resize it. Passing
    it anywhere else could append to it, so that counts as a change."""
    parents = {
        id(child): parent for parent in ast.walk(class_node) for child in ast.iter_child_nodes(parent)
    }
    for node in ast.walk(class_node):
        if not (
            isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
            and self_attribute(node) == attribute
        ):
            continue
        parent = parents.get(id(node))
        reads_only = (
            (isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is node)
            or (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name)
                and parent.func.id in _LENGTH_READERS and any(arg is node for arg in parent.args))
            or (isinstance(parent, ast.Subscript) and parent.value is node
                and isinstance(parent.ctx, ast.Load))
            or (isinstance(parent, ast.Attribute) and parent.attr not in _RESIZING_METHODS)
        )
        if not reads_only:
            return False
    return True
