"""Execution-path facts for the calls of one forward method (or one functional-API scope).

A small abstract interpreter walks the statements in order and records every call of a layer:
which layer it calls, the branch arms and guard conditions it sits under (to tell mutually
exclusive calls apart), the loops around it, and what flows into it: the earlier layer calls
its input depends on (a chain) and, when known, the input's channel count. Helper methods
called through `self` are walked in place, so `self._block(x)` twice means the layers inside
run twice.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from layerlint.analysis.walk import child_nodes

if TYPE_CHECKING:
    from layerlint.analysis.model_index import LayerSpec

if sys.version_info >= (3, 11):
    TRY_NODES = (ast.Try, ast.TryStar)
else:
    TRY_NODES = (ast.Try,)
"""`try` statements (and `try`/`except*` where Python has it)."""

_MAX_HELPER_DEPTH = 5


@dataclass(frozen=True)
class LayerRef:
    """Which layer a call uses: `self.<name>` (scope "attribute") or a variable."""

    scope: str
    name: str
    index: int | None = None
    definition: int = 0
    """For variables: identity of the assignment that created the layer."""

    @property
    def display(self) -> str:
        base = f"self.{self.name}" if self.scope == "attribute" else self.name
        return base if self.index is None else f"{base}[{self.index}]"


@dataclass(frozen=True)
class Value:
    deps: frozenset[int] = frozenset()
    channels: int | None = None
    source: str | None = None
    """Where the channel count comes from, for messages (`Conv2D(6) on line 20`)."""
    layer: LayerRef | None = None
    per_iteration: bool = False
    constant: int | None = None
    """A known integer (a loop over `(8, 16, 32)` binds 8, then 16), for channel arguments."""
    output_of: int | None = None
    """The occurrence whose output this is, untouched since (`y = block(x)`, then `block(y)`:
    the layer applied to its own output, as a loop would apply it)."""


UNKNOWN = Value()


@dataclass
class Occurrence:
    id: int
    ref: LayerRef
    call: ast.Call
    callee: ast.expr
    chain: tuple[ast.Call, ...]
    """Helper invocations (outermost first) through which this call was reached."""
    branches: tuple[tuple[int, int], ...]
    conditions: frozenset[tuple[str, bool]]
    loops: tuple[int, ...]
    input: Value
    direct: bool
    """The callee is the layer's own name at this position (`self.bn`, `bn`), not an alias."""
    loop_chain: bool = False
    """Inside a loop, this call consumes what it produced on the previous iteration."""
    loop_input: Value | None = None
    loop_node: ast.AST | None = None
    """The innermost loop around the call: a `for`/`while` statement or a comprehension."""
    indexed_siblings: tuple[str, ...] = ()
    """Layers a loop around this call indexes by its own variable (`self.proj[i]`): the author
    gives those one layer per iteration, while this one is shared by every iteration."""


@dataclass
class Scope:
    """What the walker needs to know about the code around it."""

    resolve_attribute: Callable[[str], LayerSpec | None]
    """Spec of `self.<name>` when it is a layer attribute, else None."""
    resolve_construction: Callable[[ast.expr], LayerSpec | None]
    """Spec of a construction expression (`BatchNormalization()`), for functional code."""
    output_channels: Callable[[LayerSpec, Value], Value]
    """The value a layer call produces from its spec and input."""
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    functional: bool = False
    produced_value: Callable[[ast.Call], Value | None] = lambda node: None
    """Values of calls that are not layer calls but are known to produce channels (`Input`)."""
    """Variables assigned from a layer construction are layers (functional API)."""


@dataclass
class _Context:
    branches: tuple[tuple[int, int], ...] = ()
    conditions: frozenset[tuple[str, bool]] = frozenset()
    loops: tuple[int, ...] = ()
    loop_node: ast.AST | None = None
    chain: tuple[ast.Call, ...] = ()
    second_pass: bool = False


def condition_key(test: ast.expr) -> tuple[str, bool]:
    """A normalized key for a guard and its polarity: `not x` and `x` share a key."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        key, polarity = condition_key(test.operand)
        return key, not polarity
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = test.ops[0]
        negative = isinstance(op, (ast.IsNot, ast.NotEq, ast.NotIn))
        family = {ast.IsNot: "is", ast.Is: "is", ast.NotEq: "eq", ast.Eq: "eq",
                  ast.NotIn: "in", ast.In: "in"}.get(type(op))
        if family:
            key = f"{ast.dump(test.left)} {family} {ast.dump(test.comparators[0])}"
            return key, not negative
    return ast.dump(test), True


def is_exclusive(first: Occurrence, second: Occurrence) -> bool:
    """True when no single run executes both calls (different arms, opposite guards)."""
    arms = dict(first.branches)
    if any(branch in arms and arms[branch] != arm for branch, arm in second.branches):
        return True
    return any((key, not polarity) in first.conditions for key, polarity in second.conditions)


def _merge(first: Value, second: Value) -> Value:
    same_channels = first.channels == second.channels
    return Value(
        first.deps | second.deps,
        first.channels if same_channels else None,
        first.source if same_channels else None,
        first.layer if first.layer == second.layer else None,
        first.per_iteration and second.per_iteration,
        first.constant if first.constant == second.constant else None,
        first.output_of if first.output_of == second.output_of else None,
    )


def _merge_envs(first: dict[str, Value], second: dict[str, Value]) -> dict[str, Value]:
    merged = dict(first)
    for name, value in second.items():
        kept = merged.get(name)
        if kept is None:
            merged[name] = value
        elif kept is not value:  # a value merged with itself is itself (most names of a branch)
            merged[name] = _merge(kept, value)
    return merged


class FlowWalker:
    """Walks one function body and collects the layer calls it makes (see module docstring)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.occurrences: list[Occurrence] = []
        self._by_key: dict[tuple[int, tuple[int, ...]], Occurrence] = {}
        self._helper_stack: list[str] = []
        self._variable_specs: dict[int, LayerSpec] = {}
        self._loop_variables: dict[int, frozenset[str]] = {}
        self._indexed_in_loop: dict[int, set[str]] = {}
        """Loop id -> the layers indexed by that loop's variable inside it (`self.proj[i]`)."""

    def variable_spec(self, ref: LayerRef) -> LayerSpec | None:
        """The layer a functional-API variable was bound to (None for attributes)."""
        return self._variable_specs.get(ref.definition)

    # -- entry points ---------------------------------------------------------------------
    def walk_function(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, env: dict[str, Value] | None = None
    ) -> list[Occurrence]:
        self._run_body(function.body, dict(env or {}), _Context())
        return self._finish()

    def walk_statements(self, statements: list[ast.stmt]) -> list[Occurrence]:
        self._run_body(statements, {}, _Context())
        return self._finish()

    def _finish(self) -> list[Occurrence]:
        for occurrence in self.occurrences:
            siblings = {
                name for loop in occurrence.loops for name in self._indexed_in_loop.get(loop, ())
            }
            occurrence.indexed_siblings = tuple(sorted(siblings))
        return self.occurrences

    # -- statements -----------------------------------------------------------------------
    def _run_body(
        self, statements: Iterable[ast.stmt], env: dict[str, Value], context: _Context,
        returns: list[Value] | None = None,
    ) -> tuple[dict[str, Value], _Context, bool]:
        """Run statements; returns the env after them, the context for what follows (guards
        added by early exits), and whether the body always leaves early."""
        for statement in statements:
            env, context, leaves = self._run_statement(statement, env, context, returns)
            if leaves:
                return env, context, True
        return env, context, False

    def _run_statement(
        self, node: ast.stmt, env: dict[str, Value], context: _Context,
        returns: list[Value] | None,
    ) -> tuple[dict[str, Value], _Context, bool]:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is not None:
                value = self._eval(node.value, env, context)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                layer_value = self._functional_layer(node, env)
                for target in targets:
                    self._bind(target, layer_value or value, env)
        elif isinstance(node, ast.AugAssign):
            value = self._eval(node.value, env, context)
            if isinstance(node.target, ast.Name):
                previous = env.get(node.target.id, UNKNOWN)
                env[node.target.id] = replace(
                    _merge(previous, value),
                    channels=previous.channels, source=previous.source, layer=None,
                    output_of=None,
                )
        elif isinstance(node, ast.Expr):
            self._eval(node.value, env, context)
        elif isinstance(node, ast.Return):
            value = self._eval(node.value, env, context) if node.value else UNKNOWN
            if returns is not None:
                returns.append(value)
            return env, context, True
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self._eval(node.exc, env, context)
            return env, context, True
        elif isinstance(node, (ast.Continue, ast.Break)):
            return env, context, True
        elif isinstance(node, ast.If):
            return self._run_if(node, env, context, returns)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            env = self._run_loop(node, env, context, returns)
        elif isinstance(node, TRY_NODES):
            env = self._run_try(node, env, context, returns)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._eval(item.context_expr, env, context)
            env, context, leaves = self._run_body(node.body, env, context, returns)
            return env, context, leaves
        elif isinstance(node, ast.Match):
            env = self._run_match(node, env, context, returns)
        return env, context, False

    def _run_if(
        self, node: ast.If, env: dict[str, Value], context: _Context,
        returns: list[Value] | None,
    ) -> tuple[dict[str, Value], _Context, bool]:
        self._eval(node.test, env, context)
        key, polarity = condition_key(node.test)
        branch = id(node)
        body_context = replace(
            context, branches=(*context.branches, (branch, 0)),
            conditions=context.conditions | {(key, polarity)},
        )
        else_context = replace(
            context, branches=(*context.branches, (branch, 1)),
            conditions=context.conditions | {(key, not polarity)},
        )
        body_env, _, body_leaves = self._run_body(node.body, dict(env), body_context, returns)
        else_env, _, else_leaves = self._run_body(node.orelse, dict(env), else_context, returns)
        if body_leaves and else_leaves:
            return _merge_envs(body_env, else_env), context, True
        if body_leaves:
            # What follows runs only when the guard was false: the early-return pattern.
            return else_env, replace(context, conditions=context.conditions | {(key, not polarity)}), False
        if else_leaves:
            return body_env, replace(context, conditions=context.conditions | {(key, polarity)}), False
        return _merge_envs(body_env, else_env), context, False

    def _run_loop(
        self, node: ast.For | ast.AsyncFor | ast.While, env: dict[str, Value], context: _Context,
        returns: list[Value] | None,
    ) -> dict[str, Value]:
        loop_context = replace(context, loops=(*context.loops, id(node)), loop_node=node)
        if not isinstance(node, ast.While):
            self._loop_variables[id(node)] = _bound_names(node.target)
        before = dict(env)
        if isinstance(node, ast.While):
            self._eval(node.test, env, context)
        constants: list[int] = []
        if not isinstance(node, ast.While):
            iterable = self._eval(node.iter, env, context)
            per_iteration = self._iterates_layers(node.iter, env)
            item = Value(per_iteration=True) if per_iteration else replace(
                iterable, layer=None, output_of=None)
            constants = _literal_ints(node.iter)
            if constants:
                item = Value(constant=constants[0])
            self._bind(node.target, item, env)
        first_env, _, _ = self._run_body(node.body, dict(env), loop_context, returns)
        # A second pass sees what the first iteration left behind: loop-carried chains.
        second_start = _merge_envs(env, first_env)
        if len(constants) > 1 and not isinstance(node, ast.While):
            self._bind(node.target, Value(constant=constants[1]), second_start)
        second_env, _, _ = self._run_body(
            node.body, second_start, replace(loop_context, second_pass=True), returns
        )
        after = _merge_envs(before, _merge_envs(first_env, second_env))
        after, _, _ = self._run_body(node.orelse, after, context, returns)
        return after

    def _run_try(
        self, node: ast.Try, env: dict[str, Value], context: _Context,
        returns: list[Value] | None,
    ) -> dict[str, Value]:
        branch = id(node)
        body_context = replace(context, branches=(*context.branches, (branch, 0)))
        body_env, _, _ = self._run_body(node.body, dict(env), body_context, returns)
        body_env, _, _ = self._run_body(node.orelse, body_env, body_context, returns)
        merged = body_env
        for number, handler in enumerate(node.handlers, start=1):
            handler_context = replace(context, branches=(*context.branches, (branch, number)))
            handler_env, _, _ = self._run_body(handler.body, dict(env), handler_context, returns)
            merged = _merge_envs(merged, handler_env)
        merged, _, _ = self._run_body(node.finalbody, merged, context, returns)
        return merged

    def _run_match(
        self, node: ast.Match, env: dict[str, Value], context: _Context,
        returns: list[Value] | None,
    ) -> dict[str, Value]:
        self._eval(node.subject, env, context)
        branch = id(node)
        merged: dict[str, Value] | None = None
        for number, case in enumerate(node.cases):
            case_context = replace(context, branches=(*context.branches, (branch, number)))
            case_env, _, _ = self._run_body(case.body, dict(env), case_context, returns)
            merged = case_env if merged is None else _merge_envs(merged, case_env)
        return merged if merged is not None else env

    # -- binding --------------------------------------------------------------------------
    def _bind(self, target: ast.expr, value: Value, env: dict[str, Value]) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            element = replace(value, layer=None, output_of=None) if not value.per_iteration \
                else value
            for item in target.elts:
                self._bind(item.value if isinstance(item, ast.Starred) else item, element, env)

    def _functional_layer(self, node: ast.Assign | ast.AnnAssign, env: dict[str, Value]) -> Value | None:
        """In functional code, `bn = BatchNormalization()` makes `bn` a layer."""
        if not self.scope.functional or node.value is None:
            return None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return None
        spec = self.scope.resolve_construction(node.value)
        if spec is None:
            return None
        self._variable_specs[id(node)] = spec
        return Value(layer=LayerRef("variable", targets[0].id, definition=id(node)))

    def _iterates_layers(self, node: ast.expr, env: dict[str, Value]) -> bool:
        """`self.blocks`, `zip(self.convs, self.bns)`, `enumerate(...)`, `.values()`..."""
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in (
                "zip", "enumerate", "reversed", "list", "tuple", "iter",
            ):
                return any(self._iterates_layers(arg, env) for arg in node.args)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("values", "items"):
                return self._iterates_layers(node.func.value, env)
            return False
        if isinstance(node, ast.Subscript):
            return self._iterates_layers(node.value, env)
        if isinstance(node, (ast.List, ast.Tuple)):
            return any(self._callee_ref(element, env) for element in node.elts)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            spec = self.scope.resolve_attribute(node.attr)
            return spec is not None and getattr(spec, "kind", None) in ("list", "container")
        if isinstance(node, ast.Name):
            value = env.get(node.id)
            return bool(value and value.per_iteration)
        return False

    # -- expressions ----------------------------------------------------------------------
    def _eval(self, node: ast.expr | None, env: dict[str, Value], context: _Context) -> Value:
        # By exact type (the parser makes no subclasses of node types), the commonest first.
        kind = type(node)
        if kind is ast.Name:
            return env.get(node.id, UNKNOWN)  # type: ignore[union-attr]
        if kind is ast.Call:
            return self._eval_call(node, env, context)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            owner = node.value  # type: ignore[union-attr]
            if type(owner) is ast.Name and owner.id == "self":
                spec = self.scope.resolve_attribute(node.attr)  # type: ignore[union-attr]
                if spec is not None and getattr(spec, "kind", None) != "list":
                    return Value(layer=LayerRef("attribute", node.attr))  # type: ignore[union-attr]
                return UNKNOWN
        if kind is ast.Constant:
            return Value(constant=node.value) if type(node.value) is int else UNKNOWN  # type: ignore[union-attr]
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.IfExp):
            self._eval(node.test, env, context)
            key, polarity = condition_key(node.test)
            branch = id(node)
            body = self._eval(node.body, env, replace(
                context, branches=(*context.branches, (branch, 0)),
                conditions=context.conditions | {(key, polarity)}))
            orelse = self._eval(node.orelse, env, replace(
                context, branches=(*context.branches, (branch, 1)),
                conditions=context.conditions | {(key, not polarity)}))
            return _merge(body, orelse)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._eval_comprehension(node, env, context)
        if isinstance(node, ast.Lambda):
            return UNKNOWN
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, env, context)
            right = self._eval(node.right, env, context)
            channels = left.channels if left.channels is not None else right.channels
            source = left.source if left.channels is not None else right.source
            if left.channels is not None and right.channels is not None and left.channels != right.channels:
                channels, source = None, None
            return Value(left.deps | right.deps, channels, source)
        if isinstance(node, ast.NamedExpr):
            value = self._eval(node.value, env, context)
            env[node.target.id] = value
            return value
        deps: frozenset[int] = frozenset()
        for child in child_nodes(node):
            if isinstance(child, ast.expr):
                deps |= self._eval(child, env, context).deps
        return Value(deps)

    def _eval_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        env: dict[str, Value], context: _Context,
    ) -> Value:
        inner = dict(env)
        loop_context = replace(context, loops=(*context.loops, id(node)), loop_node=node)
        deps: frozenset[int] = frozenset()
        self._loop_variables[id(node)] = frozenset().union(
            *(_bound_names(generator.target) for generator in node.generators)
        )
        for generator in node.generators:
            iterable = self._eval(generator.iter, inner, loop_context)
            deps |= iterable.deps
            per_iteration = self._iterates_layers(generator.iter, inner)
            item = Value(per_iteration=True) if per_iteration else Value(iterable.deps)
            self._bind(generator.target, item, inner)
            for condition in generator.ifs:
                self._eval(condition, inner, loop_context)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            deps |= self._eval(element, inner, loop_context).deps
        return Value(deps)

    def _callee_ref(self, func: ast.expr, env: dict[str, Value]) -> LayerRef | None:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            spec = self.scope.resolve_attribute(func.attr)
            if spec is not None and getattr(spec, "kind", None) != "list":
                return LayerRef("attribute", func.attr)
            return None
        if isinstance(func, ast.Subscript):
            owner = func.value
            index = func.slice
            if (
                isinstance(owner, ast.Attribute)
                and isinstance(owner.value, ast.Name)
                and owner.value.id == "self"
                and isinstance(index, ast.Constant)
                and isinstance(index.value, int)
                and self.scope.resolve_attribute(owner.attr) is not None
            ):
                return LayerRef("attribute", owner.attr, index=index.value)
            return None
        if isinstance(func, ast.Name):
            value = env.get(func.id)
            return value.layer if value is not None else None
        return None

    def _eval_call(self, node: ast.Call, env: dict[str, Value], context: _Context) -> Value:
        func = node.func
        # self.helper(...): walk the helper in place.
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and func.attr in self.scope.methods
            and self.scope.resolve_attribute(func.attr) is None
        ):
            return self._inline_helper(node, func.attr, env, context)
        sequence = self._sequential_of_layers(node, env, context)
        if sequence is not None:
            return sequence
        arguments = [self._eval(arg.value if isinstance(arg, ast.Starred) else arg, env, context)
                     for arg in node.args]
        keywords = [self._eval(keyword.value, env, context) for keyword in node.keywords]
        ref = self._callee_ref(func, env)
        callee_value = env.get(func.id) if isinstance(func, ast.Name) else None
        if ref is None:
            self._note_indexed_call(func, context)
            if callee_value is not None and callee_value.per_iteration:
                deps = frozenset().union(*(value.deps for value in arguments)) if arguments else frozenset()
                return Value(deps)
            func_deps = self._eval(func, env, context).deps if not isinstance(func, ast.Name) else frozenset()
            inner = self._inline_construction(node, arguments, env)
            if inner is not None:
                return inner
            produced = self.scope.produced_value(node)
            if produced is not None:
                return produced
            deps = func_deps.union(*(value.deps for value in arguments + keywords))
            if arguments and _elementwise(func):
                # `torch.tanh(h)`, `F.relu(h)`: same shape, so the same channels.
                return Value(deps, arguments[0].channels, arguments[0].source)
            return Value(deps)
        input_value = arguments[0] if arguments else UNKNOWN
        for extra in arguments[1:] + keywords:
            input_value = replace(input_value, deps=input_value.deps | extra.deps)
        occurrence = self._record(node, ref, input_value, context)
        spec = self._spec_of(ref)
        output = self.scope.output_channels(spec, input_value) if spec is not None else UNKNOWN
        return Value(input_value.deps | {occurrence.id}, output.channels, output.source,
                     output_of=occurrence.id)

    def _note_indexed_call(self, func: ast.expr, context: _Context) -> None:
        """`self.proj[i](...)` inside `for i in ...`: that loop gives `proj` one layer per
        iteration."""
        if not (
            isinstance(func, ast.Subscript) and isinstance(func.value, ast.Attribute)
            and isinstance(func.value.value, ast.Name) and func.value.value.id == "self"
            and self.scope.resolve_attribute(func.value.attr) is not None
        ):
            return
        index_names = {node.id for node in ast.walk(func.slice) if isinstance(node, ast.Name)}
        for loop in context.loops:
            variables = self._loop_variables.get(loop, frozenset())
            if index_names & variables:
                names = sorted(index_names & variables)
                self._indexed_in_loop.setdefault(loop, set()).add(
                    f"self.{func.value.attr}[{names[0]}]"
                )

    def _sequential_of_layers(
        self, node: ast.Call, env: dict[str, Value], context: _Context
    ) -> Value | None:
        """`Sequential([conv_1, bn, conv_2, bn])`: each listed layer variable is called in turn,
        each on the previous one's output, so a variable listed twice is a chain."""
        if not node.args or not isinstance(node.args[0], (ast.List, ast.Tuple)):
            return None
        elements = node.args[0].elts
        if not any(self._callee_ref(element, env) for element in elements):
            return None
        spec = self.scope.resolve_construction(node)
        if spec is None or getattr(spec, "kind", None) != "container":
            return None
        value = UNKNOWN
        for element in elements:
            ref = self._callee_ref(element, env)
            if ref is not None:
                occurrence = self._record(node, ref, value, context, callee=element)
                layer = self._spec_of(ref)
                output = self.scope.output_channels(layer, value) if layer is not None else UNKNOWN
                value = Value(value.deps | {occurrence.id}, output.channels, output.source,
                              output_of=occurrence.id)
            elif isinstance(element, ast.Call):
                built = self.scope.resolve_construction(element)
                output = self.scope.output_channels(built, value) if built is not None else UNKNOWN
                value = Value(value.deps, output.channels, output.source)
            else:
                value = Value(value.deps)
        return Value()

    def _inline_construction(
        self, node: ast.Call, arguments: list[Value], env: dict[str, Value]
    ) -> Value | None:
        """`Conv2D(16, 3)(x)`: a layer built and called at once produces known channels."""
        if not isinstance(node.func, ast.Call):
            return None
        spec = self.scope.resolve_construction(_with_constants(node.func, env))
        if spec is None:
            return None
        input_value = arguments[0] if arguments else UNKNOWN
        output = self.scope.output_channels(spec, input_value)
        return Value(input_value.deps, output.channels, output.source)

    def _spec_of(self, ref: LayerRef) -> LayerSpec | None:
        if ref.scope == "attribute":
            spec = self.scope.resolve_attribute(ref.name)
            if ref.index is not None and spec is not None:
                elements = getattr(spec, "elements", ())
                return elements[0] if elements else None
            return spec
        return self._variable_specs.get(ref.definition)

    def _record(
        self, node: ast.Call, ref: LayerRef, input_value: Value, context: _Context,
        callee: ast.expr | None = None,
    ) -> Occurrence:
        callee = callee if callee is not None else node.func
        key = (id(callee), tuple(id(call) for call in context.chain))
        existing = self._by_key.get(key)
        if existing is not None:
            if context.second_pass and existing.loops:
                if existing.id in input_value.deps:
                    existing.loop_chain = True
                if existing.loop_input is None:
                    existing.loop_input = input_value
            return existing
        direct = callee is node.func and _is_direct(node.func, ref)
        occurrence = Occurrence(
            id=len(self.occurrences), ref=ref, call=node, callee=callee, chain=context.chain,
            branches=context.branches, conditions=context.conditions, loops=context.loops,
            input=input_value, direct=direct, loop_node=context.loop_node,
        )
        self.occurrences.append(occurrence)
        self._by_key[key] = occurrence
        return occurrence

    def _inline_helper(
        self, node: ast.Call, name: str, env: dict[str, Value], context: _Context
    ) -> Value:
        arguments = [self._eval(arg, env, context) for arg in node.args]
        keywords = {kw.arg: self._eval(kw.value, env, context) for kw in node.keywords if kw.arg}
        every = arguments + list(keywords.values())
        if name in self._helper_stack or len(self._helper_stack) >= _MAX_HELPER_DEPTH:
            return Value(frozenset().union(*(value.deps for value in every)) if every else frozenset())
        method = self.scope.methods[name]
        parameters = [arg.arg for arg in (*method.args.posonlyargs, *method.args.args)][1:]
        local_env: dict[str, Value] = {}
        for parameter, value in zip(parameters, arguments):
            local_env[parameter] = value
        for parameter in (*parameters, *(arg.arg for arg in method.args.kwonlyargs)):
            if parameter in keywords:
                local_env[parameter] = keywords[parameter]
        returns: list[Value] = []
        self._helper_stack.append(name)
        try:
            self._run_body(method.body, local_env, replace(context, chain=(*context.chain, node)), returns)
        finally:
            self._helper_stack.pop()
        if not returns:
            return UNKNOWN
        result = returns[0]
        for value in returns[1:]:
            result = _merge(result, value)
        return result


def binds_layer_variable(
    statements: Iterable[ast.stmt], resolve_construction: Callable[[ast.expr], LayerSpec | None]
) -> bool:
    """Whether functional code may call a layer the walker can name: one of the statements it
    runs (nested functions and classes aside) binds a single name to a layer construction.
    In a functional scope those bindings (`_functional_layer`) are the only source of layer
    references, so where there is none, walking the statements records no occurrence."""
    pending = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if (node.value is not None and len(targets) == 1 and isinstance(targets[0], ast.Name)
                    and resolve_construction(node.value) is not None):
                return True
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            pending += node.body
            pending += node.orelse
        elif isinstance(node, TRY_NODES):
            pending += node.body
            pending += node.orelse
            pending += node.finalbody
            for handler in node.handlers:
                pending += handler.body
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pending += node.body
        elif isinstance(node, ast.Match):
            for case in node.cases:
                pending += case.body
    return False


def _with_constants(call: ast.Call, env: dict[str, Value]) -> ast.Call:
    """The construction call with names bound to known integers replaced by those integers."""
    def substitute(node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Name):
            value = env.get(node.id)
            if value is not None and value.constant is not None:
                return ast.copy_location(ast.Constant(value.constant), node)
        return node

    if not any(isinstance(arg, ast.Name) for arg in (*call.args, *(kw.value for kw in call.keywords))):
        return call
    return ast.Call(
        func=call.func,
        args=[substitute(arg) for arg in call.args],
        keywords=[ast.keyword(arg=kw.arg, value=substitute(kw.value)) for kw in call.keywords],
    )


_ELEMENTWISE = frozenset({
    "relu", "relu6", "tanh", "sigmoid", "gelu", "silu", "elu", "selu", "leaky_relu", "softplus",
    "swish", "mish", "hardswish", "hardsigmoid", "exp", "abs", "sqrt", "square", "dropout",
})


def _elementwise(func: ast.expr) -> bool:
    """`torch.tanh`, `F.relu`, `tf.nn.relu`, `keras.ops.gelu`: functions that keep the shape
    of their first argument (attribute calls only: a bare `relu` may be anything)."""
    return isinstance(func, ast.Attribute) and func.attr in _ELEMENTWISE


def _bound_names(target: ast.expr) -> frozenset[str]:
    """Names a loop target binds: `i`, `(i, block)`."""
    return frozenset(node.id for node in ast.walk(target) if isinstance(node, ast.Name))


def _literal_ints(node: ast.expr) -> list[int]:
    """`(8, 16, 32)` -> [8, 16, 32]; anything else -> []."""
    if not isinstance(node, (ast.Tuple, ast.List)):
        return []
    values = [
        element.value for element in node.elts
        if isinstance(element, ast.Constant) and type(element.value) is int
    ]
    return values if len(values) == len(node.elts) else []


def _is_direct(func: ast.expr, ref: LayerRef) -> bool:
    if ref.scope == "attribute":
        return (
            ref.index is None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and func.attr == ref.name
        )
    return isinstance(func, ast.Name) and func.id == ref.name
