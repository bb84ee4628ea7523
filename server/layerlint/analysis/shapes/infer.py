"""Static shape inference: abstract interpretation of a module over shapes.

Follows `keras.Sequential([...])` and `model.add(...)` chains, functional-API graphs, the
`call()`/`forward()` of the module's own model classes (through `self.` attributes, helper
methods, loops with a known count; arms that disagree give an unknown), `nn.Sequential`, and
the tensor functions between layers. Input shapes come from `keras.Input`, `input_shape=`/
`input_dim=`/`batch_input_shape=` on a first layer, `model.build(...)`, a concrete call
(`model(np.zeros((2, 20)))`), training data made in the file and passed to `fit`, or a
`# layerlint: input-shape=...` comment; failing all of those, the configured input shape
(`[tool.layerlint] input-shape`, first dim the batch, kept symbolic) for the module's one top-level
model (see `_configured_model`). What a layer does to a shape is `layer_rules`; what a
function does is `op_rules`. Anything not understood is unknown from there on: never a guess.

The result is one `CallShape` per layer-call site: its input and output shapes, or the error the
framework would raise there (and the line that produced the offending input).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from layerlint.analysis import frameworks
from layerlint.analysis.caches import small_id
from layerlint.analysis.imports import ImportTable, dotted_name, qualified_name
from layerlint.analysis.shapes import call_memo, layer_rules, layout, replay, resume, weights
from layerlint.analysis.shapes.domain import BATCH, UNKNOWN, Shape, ShapeError, broadcast
from layerlint.analysis.shapes.layout import ClassInfo
from layerlint.analysis.shapes.loss_targets import target_error
from layerlint.analysis.shapes.sources import array_shape, comment_shape
from layerlint.analysis.shapes.values import (
    BuiltinLayer,
    Const,
    Instance,
    ListValue,
    SequentialModel,
    Tensor,
)
from layerlint.analysis.walk import breadth_first
from layerlint.syntax.bare_names import only_names

_MAX_DEPTH = 8
_MAX_UNROLL = 64
_MAX_STEPS = 20000
_MAX_LOOP_STEPS = 2000
"""Statements one outermost loop may run, its nested loops and the functions it calls included
(a training loop of 64 epochs that calls a 30-step gradient ascent would run 20,000): past it,
the loops still to run are not unrolled (what they assign becomes unknown), so a keystroke in a
script never waits for its training loop to be interpreted. Layer-building loops (blocks,
stages, transformer layers) stay far below it."""
_INPUT_NAMES = {"Input"}
_FEED_METHODS = {"fit", "predict", "evaluate", "train_on_batch", "predict_on_batch",
                 "test_on_batch"}
_SHAPE_ARGUMENTS = ("input_shape", "batch_input_shape", "input_dim")
CONFIGURED = 0
"""The `origin` of an input shape that comes from the configured input shape (no line)."""


@dataclass(frozen=True)
class CallShape:
    """What one layer-call site receives and produces (lines absolute, columns from `ast`)."""

    line: int
    column: int
    end_line: int
    end_column: int
    layer: str
    framework: str
    inputs: tuple[Shape, ...]
    output: Shape | tuple[Shape, ...] | None
    error: str | None = None
    origin: int | None = None
    """The line that produced the (offending) input shape."""
    targets: Shape | None = None
    """Set on an error about `fit`'s targets (the output is the model's, at its last layer)."""
    weights: tuple[Shape, ...] | None = None
    """Set on an error about `layer.set_weights([...])` (this site): the shapes given."""
    bound_axis: int | None = None
    """The input axis the layer's weights or statistics are sized by (Dense: -1; torch
    Conv2d: -3), when it has one: two calls of one layer must agree on it."""

    insertion: tuple[int, str] | None = None
    """A line that would remove the error (`layers.Flatten(),` before line N), to be verified
    by inferring the edited text before it is offered."""

    @property
    def bound_dim(self) -> int | None:
        """The concrete size of the first input on `bound_axis`, when known."""
        if self.bound_axis is None or len(self.inputs) != 1 or not self.inputs[0].known:
            return None
        dims = self.inputs[0].dims or ()
        if not -len(dims) <= self.bound_axis < len(dims):
            return None
        dim = dims[self.bound_axis]
        return dim if type(dim) is int else None

    @property
    def output_text(self) -> str:
        if self.output is None:
            return "(unknown)"
        if isinstance(self.output, tuple):
            return "[" + ", ".join(shape.display() for shape in self.output) + "]"
        return self.output.display()

    @property
    def known(self) -> bool:
        if isinstance(self.output, tuple):
            return all(shape.known for shape in self.output)
        return self.output is not None and self.output.known


@dataclass
class ModuleShapes:
    calls: list[CallShape] = field(default_factory=list)
    """One per layer-call site whose every run agrees (sites seen with different shapes are
    left out: their shape is not static)."""
    errors: list[CallShape] = field(default_factory=list)
    sites: int = 0
    """Layer-call sites met, known shape or not (for the share of known shapes)."""
    configured_input: tuple[int, ...] | None = None
    """The configured input shape the inference was given (origin `CONFIGURED` marks its use)."""

    def on_line(self, line: int) -> list[CallShape]:
        return [call for call in self.calls if call.line == line]


@dataclass
class _Frame:
    env: dict
    offset: int
    instance: Instance | None = None
    methods: dict = field(default_factory=dict)
    returns: list | None = None
    muted: bool = False


class Interpreter:
    """Interprets one module (see the module docstring); `run()` returns its `ModuleShapes`."""

    def __init__(self, statements: list[tuple[ast.stmt, int]], imports: ImportTable,
                 keras_version: str | None, text: str,
                 configured_input: tuple[int, ...] | None = None) -> None:
        self.statements = statements
        self.configured_input = configured_input
        self.imports = imports
        self.keras_version = keras_version
        self.text = text
        self.functions: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.records: dict[tuple[int, int], list[CallShape]] = {}
        self.module_env: dict = {}
        self.depth = 0
        self.steps = 0
        self.loop_depth = 0
        self.loop_steps = 0
        """Statements run since the outermost loop being unrolled began (`_MAX_LOOP_STEPS`)."""
        self.interpreted: set[int] = set()
        self.qualified: dict[int, tuple[ast.expr, str | None]] = {}
        self.sequentials: list[tuple[SequentialModel, int]] = []
        self.comment_lines: dict[int, tuple[int, ...]] | None = None
        self.resumable = False
        """Whether the run may start from the last run's checkpoint and keep one (`resume`):
        set where the text is known to hold no shape comment."""
        self.log: list[CallShape] = []
        self.imports_key = tuple(sorted(imports.items()))
        self.imports_id = small_id(self.imports_key)
        self.layout = layout.Layout([], {}, {})
        self.body: list[tuple[ast.stmt, int]] = []
        # What decides who gets the configured input shape: Sequentials run on some input and
        # those inside another model; classes called on a shaped input and those used inside
        # another model.
        self.ran: set[int] = set()
        self.nested: set[int] = set()
        self.fed_classes: set[str] = set()
        self.nested_classes: set[str] = set()
        self.events = 0
        # Sequentials of functions interpreted (or replayed) that no input reaches.
        self.candidates: list[tuple[SequentialModel, int]] = []
        # `layer.set_weights([...])` calls met: (layer, shapes given, site, frame, event).
        self.set_weights: list[tuple[BuiltinLayer, tuple[Shape, ...], ast.Call, _Frame, int]] = []

    # -- entry ----------------------------------------------------------------------------
    def run(self) -> ModuleShapes:
        self._collect_definitions()
        start, keep_at = resume.resumed(self) if self.resumable else (0, None)
        frame = _Frame(self.module_env, 0)
        for index in range(start, len(self.body)):
            if index == keep_at:
                resume.keep(self, index)
            statement, offset = self.body[index]
            frame.offset = offset
            self._statement(statement, frame)
        if keep_at == len(self.body):
            resume.keep(self, keep_at)
        self._finish_sequentials()
        # Functions nobody calls in the module (`def run():` in a script, a test) still build
        # models: interpret them with unknown arguments.
        for function, offset in list(self.functions.values()):
            if id(function) not in self.interpreted:
                self._remembered(function, offset,
                                 lambda f=function, o=offset: self._call_function(f, o, [], {}, None))
        self._finish_sequentials()
        if self._comments():
            for info in self.classes.values():
                self._class_from_comment(info)
        self._check_set_weights()
        if self.configured_input:
            self._configured_model()
        return self._result()

    def _remembered(self, node: ast.FunctionDef | ast.AsyncFunctionDef, offset: int,
                    interpret) -> None:
        """Runs `interpret()` (a top-level function with unknown arguments) or replays the
        calls it recorded last time, when neither its text nor anything it uses changed, moved
        to where the definitions now sit (`replay`): the typing path re-interprets only what an
        edit can affect."""
        dependencies = self._dependency_key(node)
        if dependencies is None:
            self._interpret_new(interpret)
            return
        key, uses = dependencies
        # What the module's statements left to check is theirs, not this run's (it cannot reach
        # their layers: it reads no module value but constants).
        self._check_set_weights()
        spans = replay.spans_of([(node, offset), *uses])
        run = replay.lookup(key, node)
        if run is not None:
            run = replay.moved(key, run, spans, self._moves_apart(uses))
        if run is not None:
            for record in run.records:
                self.records.setdefault((record.line, record.column), []).append(record)
            self.fed_classes |= run.fed_classes
            self.nested_classes |= run.nested_classes
            self.candidates.extend(run.candidates)
            self.interpreted |= run.interpreted
            return
        start, interpreted = len(self.log), set(self.interpreted)
        fed, nested, found = self._interpret_new(interpret)
        replay.store(key, replay.Run(
            node, tuple(definition for definition, _ in uses), spans,
            tuple(self.log[start:]), fed, nested, found,
            frozenset(self.interpreted - interpreted)))

    def _interpret_new(self, interpret) -> tuple[frozenset[str], frozenset[str],
                                                 tuple[tuple[SequentialModel, int], ...]]:
        """Runs `interpret()` and finishes the Sequentials it built: (the classes it fed, those
        it nested, the Sequentials left for the configured input)."""
        sequentials = len(self.sequentials)
        fed, nested = set(self.fed_classes), set(self.nested_classes)
        interpret()
        for model, model_offset in self.sequentials[sequentials:]:
            if model.declared_input is not None and not model.poisoned and not model.finished:
                model.finished = True
                self._run_sequential(model, Tensor(model.declared_input, model.origin),
                                     _Frame({}, model_offset))
        self._check_set_weights()
        found = self._candidate_sequentials(self.sequentials[sequentials:])
        self.candidates.extend(found)
        return (frozenset(self.fed_classes - fed), frozenset(self.nested_classes - nested),
                tuple(found))

    def _moves_apart(self, uses: list[tuple[layout.Definition, int]]) -> bool:
        """Whether the calls of a run may move by each definition's own shift: not where a class
        inherits methods from a local base (they run at the subclass's offset)."""
        return not any(
            isinstance(definition, ast.ClassDef) and (info := self.classes.get(definition.name))
            is not None and info.inherits for definition, _ in uses
        )

    def _dependency_key(self, node: ast.FunctionDef | ast.AsyncFunctionDef
                        ) -> tuple[tuple, list[tuple[layout.Definition, int]]] | None:
        """What a top-level definition's interpretation depends on: its own node and those of
        the module's classes and functions it uses (transitively), the imports and the module
        constants it reads; with the definitions it uses and where they sit now. None when it
        reads a module value that is not a plain constant."""
        closure = layout.closure(node, self.layout)
        constants = []
        for name in closure.others:
            if name in self.module_env:
                value = self.module_env[name]
                if value is not None and not isinstance(value, Const):
                    return None
                constants.append((name, repr(value)))
        uses = []
        for name, definition in closure.parts:
            offset = layout.offset_of(self.layout, name, definition)
            if offset is None:
                return None
            uses.append((definition, offset))
        key = (self.keras_version, self.configured_input, self.imports_id, id(node),
               tuple((name, id(definition)) for name, definition in closure.parts),
               tuple(constants))
        return key, uses

    def _collect_definitions(self) -> None:
        """The module's functions and model classes (`layout.collect`)."""
        definitions = [(statement, offset) for statement, offset in self.statements
                       if isinstance(statement, _DEFINITIONS)]
        self.body = [(statement, offset) for statement, offset in self.statements
                     if not isinstance(statement, _DEFINITIONS)]
        self.layout = layout.collect(definitions, self.imports, self.imports_id)
        self.functions, self.classes = self.layout.functions, self.layout.classes

    def _base_frameworks(self, node: ast.ClassDef) -> tuple[tuple[str, str | None], ...]:
        return layout.base_frameworks(node, self.imports, self.imports_id)

    def _result(self) -> ModuleShapes:
        result = ModuleShapes(sites=len(self.records))
        for records in self.records.values():
            errors = [record for record in records if record.error]
            if errors:
                result.errors.append(errors[0])
                continue
            first = records[0]
            output: Any = first.output
            inputs = first.inputs
            for record in records[1:]:
                output = _unify(output, record.output)
                inputs = tuple(_unify(a, b) for a, b in zip(inputs, record.inputs)) if len(
                    inputs) == len(record.inputs) else ()
            if output is first.output and inputs is first.inputs:
                result.calls.append(first)
            elif output is not None:
                # A loop feeding the layer other inputs with one output: the output is static.
                known_inputs = inputs if all(shape is not None for shape in inputs) else ()
                result.calls.append(replace(first, output=output, inputs=known_inputs))
            else:
                result.calls.append(CallShape(first.line, first.column, first.end_line,
                                              first.end_column, first.layer, first.framework,
                                              (), None))
        result.calls.sort(key=lambda call: (call.line, call.column))
        result.errors.sort(key=lambda call: (call.line, call.column))
        return result

    # -- statements -----------------------------------------------------------------------
    def _body(self, statements: Iterable[ast.stmt], frame: _Frame) -> bool:
        """Runs statements; True when the body always leaves (return/raise)."""
        return any(self._statement(statement, frame) for statement in statements)

    def _statement(self, node: ast.stmt, frame: _Frame) -> bool:
        if only_names(node):  # `model.fi`: nothing to run, not even a step to count
            return False
        self.steps += 1
        if self.steps > _MAX_STEPS:
            return True
        if self.loop_depth:
            self.loop_steps += 1
        if isinstance(node, ast.Assign):
            value = self._eval(node.value, frame)
            for target in node.targets:
                self._bind(target, value, frame)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._bind(node.target, self._eval(node.value, frame), frame)
        elif isinstance(node, ast.AugAssign):
            value = self._binary(node.op, self._eval(node.target, frame),
                                 self._eval(node.value, frame), node, frame)
            self._bind(node.target, value, frame)
        elif isinstance(node, ast.Expr):
            self._eval(node.value, frame)
        elif isinstance(node, ast.Return):
            value = self._eval(node.value, frame) if node.value is not None else Const(None)
            if frame.returns is not None:
                frame.returns.append(value)
            return True
        elif isinstance(node, ast.Raise):
            return True
        elif isinstance(node, ast.If):
            return self._if(node, frame)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._for(node, frame)
        elif isinstance(node, ast.While):
            self._unknown_loop(node.body, frame)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._eval(item.context_expr, frame)
            return self._body(node.body, frame)
        elif isinstance(node, ast.Try):
            leaves = self._body(node.body, frame)
            for handler in node.handlers:
                self._unknown_loop(handler.body, frame)
            if not leaves:
                self._body(node.orelse, frame)
            self._body(node.finalbody, frame)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and frame.env is not self.module_env:
            frame.env[node.name] = None
        return False

    def _if(self, node: ast.If, frame: _Frame) -> bool:
        self._eval(node.test, frame)
        if _is_main_guard(node.test):
            return self._body(node.body, frame)
        before = dict(frame.env)
        attributes = frame.instance.attributes if frame.instance is not None else None
        attributes_before = dict(attributes) if attributes is not None else {}
        body_frame = _Frame(dict(before), frame.offset, frame.instance, frame.methods,
                            frame.returns, frame.muted)
        body_leaves = self._body(node.body, body_frame)
        body_attributes = dict(attributes) if attributes is not None else {}
        if attributes is not None:
            attributes.clear()
            attributes.update(attributes_before)
        else_frame = _Frame(dict(before), frame.offset, frame.instance, frame.methods,
                            frame.returns, frame.muted)
        else_leaves = self._body(node.orelse, else_frame)
        if body_leaves and else_leaves:
            return True
        if body_leaves:
            merged = else_frame.env
        elif else_leaves:
            merged = body_frame.env
        else:
            merged = _merge_envs(before, body_frame.env, else_frame.env)
        if attributes is not None and not (body_leaves or else_leaves):
            merged_attributes = _merge_envs(attributes_before, body_attributes, dict(attributes))
            attributes.clear()
            attributes.update(merged_attributes)
        elif attributes is not None and else_leaves:
            attributes.clear()
            attributes.update(body_attributes)
        frame.env.clear()
        frame.env.update(merged)
        return False

    def _for(self, node: ast.For | ast.AsyncFor, frame: _Frame) -> None:
        items = self._iteration_items(node.iter, frame)
        if not self.loop_depth:
            self.loop_steps = 0
        if (items is None or len(items) > _MAX_UNROLL or node.orelse
                or self.loop_steps > _MAX_LOOP_STEPS):
            self._unknown_loop(node.body, frame, node.target)
            return
        self.loop_depth += 1
        try:
            for item in items:
                if self.loop_steps > _MAX_LOOP_STEPS:
                    # Unrolled too long: what the rest of the iterations assign is unknown.
                    self._forget_assigned(node.body, frame)
                    return
                self._bind(node.target, item, frame)
                if self._body(node.body, frame):
                    # A `break`/`return` inside: what follows the loop is not known.
                    self._forget_assigned(node.body, frame)
                    return
        finally:
            self.loop_depth -= 1

    def _iteration_items(self, node: ast.expr, frame: _Frame) -> list | None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            bounds = [self._eval(arg, frame) for arg in node.args]
            ints = [b.value for b in bounds if isinstance(b, Const) and type(b.value) is int]
            if bounds and len(ints) == len(bounds):
                numbers = range(*ints)
                # a loop this long is not unrolled: no list of a million constants for it
                # (`len` of a range beyond sys.maxsize raises OverflowError; `> _MAX_UNROLL`)
                if numbers[_MAX_UNROLL:]:
                    return None
                return [Const(i) for i in numbers]
            return None
        value = self._eval(node, frame)
        if isinstance(value, Const) and isinstance(value.value, tuple):
            return [Const(item) for item in value.value]
        if isinstance(value, ListValue) and not value.poisoned:
            return list(value.items)
        if isinstance(value, SequentialModel) and not value.poisoned:
            return [layer for layer, _, _ in value.layers]
        return None

    def _unknown_loop(self, body: list[ast.stmt], frame: _Frame,
                      target: ast.expr | None = None) -> None:
        """A loop of unknown count (or an except arm): what it assigns becomes unknown, and its
        calls are not recorded (each iteration may see other shapes)."""
        if target is not None:
            self._bind(target, None, frame)
        self._forget_assigned(body, frame)
        muted = _Frame(frame.env, frame.offset, frame.instance, frame.methods, None, True)
        self._body(body, muted)
        self._forget_assigned(body, frame)

    def _forget_assigned(self, body: list[ast.stmt], frame: _Frame) -> None:
        for statement in body:
            for node in breadth_first(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    frame.env[node.id] = None
                elif (
                    isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                    and _is_self(node.value) and frame.instance is not None
                ):
                    frame.instance.attributes[node.attr] = None

    def _bind(self, target: ast.expr, value: object, frame: _Frame) -> None:
        if isinstance(target, ast.Name):
            frame.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            items: list[Any] | None = None
            if isinstance(value, Const) and isinstance(value.value, tuple):
                items = [Const(item) for item in value.value]
            elif isinstance(value, ListValue) and not value.poisoned:
                items = list(value.items)
            elif isinstance(value, tuple):
                items = [Tensor(shape) for shape in value]
            for position, element in enumerate(target.elts):
                item = items[position] if items is not None and len(items) == len(target.elts) else None
                self._bind(element, item, frame)
        elif isinstance(target, ast.Attribute) and _is_self(target.value) and frame.instance:
            frame.instance.attributes[target.attr] = value
        elif isinstance(target, ast.Starred):
            self._bind(target.value, None, frame)

    # -- expressions ----------------------------------------------------------------------
    def _lookup(self, name: str, frame: _Frame) -> object:
        if name in frame.env:
            return frame.env[name]
        return self.module_env.get(name)

    def _eval(self, node: ast.expr | None, frame: _Frame) -> object:
        # By exact type (the parser makes no subclasses of node types), the commonest first.
        kind = type(node)
        if kind is ast.Name:
            return self._lookup(node.id, frame)  # type: ignore[union-attr]
        if kind is ast.Call:
            return self._call(node, frame)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            return self._attribute(node, frame)  # type: ignore[arg-type]
        if kind is ast.Constant:
            return Const(node.value)  # type: ignore[union-attr]
        if node is None:
            return None
        if isinstance(node, (ast.Tuple, ast.List)):
            values = [self._eval(element, frame) for element in node.elts]
            consts = [value for value in values if isinstance(value, Const)]
            if len(consts) == len(values):
                return Const(tuple(value.value for value in consts))
            return ListValue(values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self._eval(node.operand, frame)
            if isinstance(operand, Const) and type(operand.value) in (int, float):
                number: Any = operand.value
                return Const(-number)
            return None
        if isinstance(node, ast.Subscript):
            return self._subscript(node, frame)
        if isinstance(node, ast.BinOp):
            return self._binary(node.op, self._eval(node.left, frame),
                                self._eval(node.right, frame), node, frame)
        if isinstance(node, ast.IfExp):
            self._eval(node.test, frame)
            body = self._eval(node.body, frame)
            orelse = self._eval(node.orelse, frame)
            return body if _same(body, orelse) else None
        if isinstance(node, ast.ListComp):
            return self._list_comprehension(node, frame)
        if isinstance(node, ast.NamedExpr):
            value = self._eval(node.value, frame)
            self._bind(node.target, value, frame)
            return value
        return None

    def _list_comprehension(self, node: ast.ListComp, frame: _Frame) -> object:
        if len(node.generators) != 1 or node.generators[0].ifs:
            return None
        generator = node.generators[0]
        items = self._iteration_items(generator.iter, frame)
        if items is None or len(items) > _MAX_UNROLL:
            return None
        inner = _Frame(dict(frame.env), frame.offset, frame.instance, frame.methods, None,
                       frame.muted)
        values = []
        for item in items:
            self._bind(generator.target, item, inner)
            values.append(self._eval(node.elt, inner))
        return ListValue(values)

    def _attribute(self, node: ast.Attribute, frame: _Frame) -> object:
        if _is_self(node.value):
            if frame.instance is not None:
                return frame.instance.attributes.get(node.attr)
            return None
        owner = self._eval(node.value, frame)
        if isinstance(owner, Tensor) and node.attr == "shape" and owner.shape.known:
            return Const(tuple(UNKNOWN if dim is None else dim for dim in owner.shape.dims or ()))
        if isinstance(owner, Tensor) and node.attr == "T" and owner.shape.rank == 2:
            dims = owner.shape.dims or ()
            return Tensor(Shape(tuple(reversed(dims))), owner.origin)
        return None

    def _subscript(self, node: ast.Subscript, frame: _Frame) -> object:
        owner = self._eval(node.value, frame)
        index = self._eval(node.slice, frame)
        if not isinstance(index, Const) or type(index.value) is not int:
            return None
        position = index.value
        items: list | tuple = ()
        if isinstance(owner, Const) and isinstance(owner.value, tuple):
            items = tuple(Const(item) for item in owner.value)
        elif isinstance(owner, ListValue) and not owner.poisoned:
            items = owner.items
        elif isinstance(owner, SequentialModel) and not owner.poisoned:
            items = [layer for layer, _, _ in owner.layers]
        return items[position] if -len(items) <= position < len(items) else None

    def _binary(self, op: ast.operator, left: object, right: object, node: ast.AST,
                frame: _Frame) -> object:
        if isinstance(left, Const) and isinstance(right, Const):
            a, b = left.value, right.value
            if type(a) is int and type(b) is int:
                if isinstance(op, ast.Add):
                    return Const(a + b)
                if isinstance(op, ast.Sub):
                    return Const(a - b)
                if isinstance(op, ast.Mult):
                    return Const(a * b)
                if isinstance(op, ast.FloorDiv) and b:
                    return Const(a // b)
            if isinstance(a, tuple) and isinstance(b, tuple) and isinstance(op, ast.Add):
                return Const(a + b)
            return None
        if isinstance(op, ast.MatMult):
            if isinstance(left, Tensor) and isinstance(right, Tensor):
                return self._op_result("keras", "keras.ops.matmul", (left.shape, right.shape), {},
                                       node, frame)
            return None
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            return None
        if isinstance(left, Tensor) and isinstance(right, Tensor):
            shape = broadcast(left.shape, right.shape)
            if isinstance(shape, ShapeError):
                return Tensor(Shape.unknown())
            return Tensor(shape, self._line(node, frame))
        if isinstance(left, Tensor) and isinstance(right, Const) and _is_number(right.value):
            return left
        if isinstance(right, Tensor) and isinstance(left, Const) and _is_number(left.value):
            return right
        return None

    # -- calls ----------------------------------------------------------------------------
    def _call(self, node: ast.Call, frame: _Frame) -> object:
        func = node.func
        if isinstance(func, ast.Attribute):
            method_value = self._method_call(node, func, frame)
            if method_value is not _NOT_HANDLED:
                return method_value
        qualified = self._qualified(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if isinstance(func, ast.Name) and func.id in frame.env and frame.env is not self.module_env:
            qualified = None  # a local variable shadows any import
        shape = array_shape(node, qualified)
        if shape is not None:
            return Tensor(shape, self._line(node, frame))
        if qualified is not None:
            handled = self._qualified_call(node, qualified, frame)
            if handled is not _NOT_HANDLED:
                return handled
        callee = self._eval(func, frame)
        args = [self._eval(arg, frame) for arg in node.args]
        kwargs = {kw.arg: self._eval(kw.value, frame) for kw in node.keywords if kw.arg}
        if isinstance(callee, (BuiltinLayer, SequentialModel, Instance)):
            return self._call_layer(callee, args, kwargs, node, frame)
        return None

    def _qualified(self, func: ast.Name | ast.Attribute) -> str | None:
        """`qualified_name(func, self.imports)`, once per callee node: a call in a loop or in a
        function called many times is evaluated again and again."""
        kept = self.qualified.get(id(func))
        if kept is not None and kept[0] is func:  # the node itself: a dead node's id is reused
            return kept[1]
        qualified = qualified_name(func, self.imports)
        self.qualified[id(func)] = (func, qualified)
        return qualified

    def _qualified_call(self, node: ast.Call, qualified: str, frame: _Frame) -> object:
        last = qualified.rsplit(".", 1)[-1]
        if isinstance(node.func, ast.Name) and qualified == node.func.id:
            if qualified in self.functions:
                function, offset = self.functions[qualified]
                args = [self._eval(arg, frame) for arg in node.args]
                kwargs = {kw.arg: self._eval(kw.value, frame) for kw in node.keywords if kw.arg}
                if frame.env is self.module_env:  # `model = build_model(3)` in a script
                    return call_memo.call(self, function, offset, args, kwargs, _MAX_STEPS)
                return self._call_function(function, offset, args, kwargs, None)
            if qualified in self.classes:
                return self._instantiate(self.classes[qualified], node, frame)
            if qualified in ("len", "int", "range", "print", "isinstance", "super"):
                return self._builtin_function(qualified, node, frame)
        framework = frameworks.framework_of(qualified)
        if framework is None and qualified.startswith("tensorflow."):
            return self._op_call("keras", qualified, node, frame)  # tf.concat, tf.nn.relu
        if framework is None:
            return _NOT_HANDLED
        if last in _INPUT_NAMES:
            return self._input(node, frame)
        info = frameworks.builtin_layer(qualified, self.keras_version)
        if info is not None:
            if info.container and last == "Sequential":
                return self._sequential(node, info.framework, frame)
            if info.container and last in _WRAPPERS:
                return self._wrapper(info, node, frame)
            if info.container:
                return None
            return self._construct(info, node, frame)
        if framework in ("keras", "tf_keras") and last in _MERGE_FUNCTIONS and (
            qualified.rsplit(".", 1)[0].endswith(".layers")
        ):  # `layers.concatenate([a, b])`; `ops.subtract(a, b)` is a tensor function
            merge = frameworks.builtin_layer(
                qualified.rsplit(".", 1)[0] + "." + _MERGE_FUNCTIONS[last], self.keras_version)
            if merge is not None and node.args:
                layer = BuiltinLayer(merge, {"axis": -1} if last == "concatenate" else {},
                                     node, self._line(node, frame))
                axis = self._eval(_keyword(node, "axis"), frame)
                if isinstance(axis, Const) and type(axis.value) is int:
                    layer.config["axis"] = axis.value
                elif _keyword(node, "axis") is not None:
                    return None
                return self._apply(layer, self._eval(node.args[0], frame), node, frame)
        if framework == "torch" and (qualified.startswith("torch.nn.functional.")
                                     or qualified.count(".") == 1):
            return self._op_call(framework, qualified, node, frame)
        if framework in ("keras", "tf_keras") and ".ops." in qualified + ".":
            return self._op_call(framework, qualified, node, frame)
        return _NOT_HANDLED

    def _builtin_function(self, name: str, node: ast.Call, frame: _Frame) -> object:
        args = [self._eval(arg, frame) for arg in node.args]
        if name == "len" and args:
            value = args[0]
            if isinstance(value, ListValue) and not value.poisoned:
                return Const(len(value.items))
            if isinstance(value, Const) and isinstance(value.value, tuple):
                return Const(len(value.value))
        if name == "int" and args and isinstance(args[0], Const) and type(args[0].value) is int:
            return args[0]
        return None

    def _op_call(self, framework: str, qualified: str, node: ast.Call, frame: _Frame) -> object:
        args = tuple(self._op_argument(self._eval(arg, frame)) for arg in node.args)
        kwargs = {kw.arg: self._op_argument(self._eval(kw.value, frame))
                  for kw in node.keywords if kw.arg}
        if not any(isinstance(arg, Shape) for arg in (*args, *kwargs.values())):
            return None
        return self._op_result(framework, _canonical_op(qualified), args, kwargs, node, frame)

    def _op_argument(self, value: object) -> object:
        if isinstance(value, Tensor):
            return value.shape
        if isinstance(value, Const):
            return value.value
        if isinstance(value, ListValue) and all(isinstance(item, Tensor) for item in value.items):
            return tuple(item.shape for item in value.items)
        if isinstance(value, ListValue) and not any(isinstance(item, Tensor) for item in value.items):
            return tuple(item.value if isinstance(item, Const) else UNKNOWN for item in value.items)
        return UNKNOWN

    def _op_result(self, framework: str, qualified: str, args: tuple, kwargs: dict,
                   node: ast.AST, frame: _Frame) -> object:
        try:
            from layerlint.analysis.shapes import op_rules
            result = op_rules.op_shape(framework, qualified, args, kwargs)
        except Exception:  # a rule that cannot cope with these arguments knows nothing
            return Tensor(Shape.unknown())
        if isinstance(result, Shape):
            return Tensor(result, self._line(node, frame))
        if isinstance(result, tuple):
            return ListValue([Tensor(shape, self._line(node, frame)) for shape in result])
        return Tensor(Shape.unknown())

    def _input(self, node: ast.Call, frame: _Frame) -> object:
        shape = _keyword(node, "shape")
        if shape is None and node.args:
            shape = node.args[0]
        batch_shape = _keyword(node, "batch_shape")
        line = self._line(node, frame)
        if batch_shape is not None:
            value = self._eval(batch_shape, frame)
            if isinstance(value, Const) and isinstance(value.value, tuple):
                return Tensor(_shape_of_literal(value.value, batch=False), line)
            return Tensor(Shape.unknown(), line)
        value = self._eval(shape, frame)
        if isinstance(value, Const) and isinstance(value.value, tuple):
            batch = _keyword(node, "batch_size")
            batch_value = self._eval(batch, frame) if batch is not None else None
            dims = _shape_of_literal(value.value, batch=True).dims or ()
            if isinstance(batch_value, Const) and type(batch_value.value) is int:
                dims = (batch_value.value, *dims[1:])
            return Tensor(Shape(dims), line)
        return Tensor(Shape.unknown(), line)

    def _construct(self, info, node: ast.Call, frame: _Frame) -> BuiltinLayer:
        config = self._config(info, node, frame)
        weights = None
        weights_node = _keyword(node, "weights")
        if weights_node is not None:
            value = self._eval(weights_node, frame)
            if isinstance(value, ListValue) and value.items and all(
                isinstance(item, Tensor) and item.shape.fully_known for item in value.items
            ):
                weights = tuple(item.shape for item in value.items)
        return BuiltinLayer(info, config, node, self._line(node, frame), weights)

    def _wrapper(self, info, node: ast.Call, frame: _Frame) -> BuiltinLayer | None:
        """`Bidirectional(LSTM(64))`, `TimeDistributed(Dense(8))`: the wrapped layer's own
        configuration goes to the wrapper's rule as `layer`."""
        inner_node = node.args[0] if node.args else _keyword(node, "layer")
        inner = self._eval(inner_node, frame)
        if not isinstance(inner, BuiltinLayer):
            return None
        wrapper = self._construct(info, node, frame)
        wrapper.config["layer"] = {"class_name": inner.name, "config": dict(inner.config)}
        return wrapper

    def _declared_input(self, layer: BuiltinLayer, frame: _Frame) -> Shape | None:
        """`input_shape=(MAXLEN, len(chars))` evaluated like any expression (module constants
        known, the rest unknown dims), then read by `_declared_input`."""
        values = {}
        for name in _SHAPE_ARGUMENTS:
            node = _keyword(layer.node, name)
            if node is None:
                continue
            value = self._eval(node, frame)
            if isinstance(value, Const):
                values[name] = value.value
            elif isinstance(value, ListValue):
                values[name] = tuple(
                    item.value if isinstance(item, Const) and type(item.value) is int else None
                    for item in value.items
                )
            else:
                values[name] = _UNKNOWN_ARGUMENT
        if not values:
            return None
        return _declared_input(layer, values)

    def _config(self, info, node: ast.Call, frame: _Frame) -> dict:
        """The layer's configuration (`layer_rules.config_from_call`) with the arguments that
        evaluate to literals in `frame` written as literals. Remembered per call node and the
        literals its arguments evaluated to: what a keystroke re-interprets is mostly
        constructions whose text did not change."""
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        values = tuple(self._argument_literal(argument, frame) for argument in arguments)
        key = (info.framework, info.canonical or info.name,
               tuple(_AS_WRITTEN if value is _AS_WRITTEN else repr(value) for value in values))
        entry: tuple[int, dict[tuple[object, ...], dict]] | None = getattr(node, _CONFIGS, None)
        if entry is None or entry[0] != _configs_generation[0]:
            entry = (_configs_generation[0], {})
            setattr(node, _CONFIGS, entry)
        cached = entry[1].get(key)
        if cached is not None:
            return dict(cached)
        call = _with_literals(node, values)
        try:
            config = dict(layer_rules.config_from_call(info, call))
        except Exception:
            config = {}
        if len(entry[1]) < _CONFIGS_PER_CALL:
            entry[1][key] = config
        return dict(config)

    def _argument_literal(self, node: ast.expr, frame: _Frame) -> object:
        """What a constructor argument evaluates to when that is a literal; `_AS_WRITTEN` for
        a literal written as such and for anything else (read from the text)."""
        if isinstance(node, ast.Constant):
            return _AS_WRITTEN
        value = self._eval(node, frame)
        if isinstance(value, Const) and _is_literal(value.value):
            return value.value
        return _AS_WRITTEN

    def _sequential(self, node: ast.Call, framework: str, frame: _Frame) -> SequentialModel:
        model = SequentialModel(framework, origin=self._line(node, frame))
        if frame.instance is not None:
            self.nested.add(id(model))
        elements: list[ast.expr] = []
        if framework == "torch":
            elements = list(node.args)
        elif node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            elements = list(node.args[0].elts)
        elif node.args or _keyword(node, "layers") is not None:
            model.poisoned = True
        for element in elements:
            if isinstance(element, ast.Starred):
                model.poisoned = True
                continue
            self._add_layer(model, self._eval(element, frame), element, frame)
        self.sequentials.append((model, frame.offset))
        if model.declared_input is None:
            model.declared_input = self._comment_input(node, frame)
        return model

    def _add_layer(self, model: SequentialModel, value: object, node: ast.expr,
                   frame: _Frame) -> None:
        if frame.muted:
            model.poisoned = True
            return
        if not model.layers:
            if isinstance(value, Tensor):  # a leading `Input(...)`
                model.declared_input = value.shape
                model.origin = value.origin
                return
            if isinstance(value, BuiltinLayer):
                declared = self._declared_input(value, frame)
                if declared is not None:
                    model.declared_input = declared
                    model.origin = value.line
                if value.name == "InputLayer":
                    return
        if value is None:
            model.poisoned = True
        if isinstance(value, SequentialModel):
            self.nested.add(id(value))
        elif isinstance(value, Instance):
            self.nested_classes.add(value.class_name)
        elif isinstance(value, BuiltinLayer) and model.declared_input is not None and (
                value.built_at is None):
            self.events += 1
            value.built_at = self.events
        model.layers.append((value, node, frame.offset))

    def _comment_input(self, node: ast.AST, frame: _Frame) -> Shape | None:
        line = self._line(node, frame)
        comments = self._comments()
        dims = comments.get(line) or comments.get(line - 1)
        return Shape(dims) if dims else None

    def _finish_sequentials(self) -> None:
        for model, offset in self.sequentials:
            if model.declared_input is not None and not model.poisoned and not model.finished:
                model.finished = True
                self._run_sequential(model, Tensor(model.declared_input, model.origin),
                                     _Frame({}, offset))

    def _method_call(self, node: ast.Call, func: ast.Attribute, frame: _Frame) -> object:
        # self.helper(...): run the helper in place.
        if _is_self(func.value) and frame.instance is not None:
            attribute = frame.instance.attributes.get(func.attr)
            if attribute is None and func.attr in frame.methods:
                args = [self._eval(arg, frame) for arg in node.args]
                kwargs = {kw.arg: self._eval(kw.value, frame) for kw in node.keywords if kw.arg}
                return self._call_function(frame.methods[func.attr], frame.offset, args, kwargs,
                                           frame.instance, frame.methods)
            return _NOT_HANDLED
        if isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and (
            func.value.func.id == "super"
        ):
            return None
        head = func.value
        while isinstance(head, ast.Attribute):
            head = head.value
        if isinstance(head, ast.Name) and head.id not in frame.env and (
            self.imports.get(head.id) is not None
        ):
            return _NOT_HANDLED  # a module: `np.zeros`, `layers.Dense`
        owner = self._eval(func.value, frame)
        method = func.attr
        if isinstance(owner, SequentialModel):
            return self._model_method(owner, method, node, frame)
        if isinstance(owner, BuiltinLayer) and method == "set_weights" and node.args:
            self._set_weights(owner, node, frame)
            return None
        if isinstance(owner, (Instance, BuiltinLayer)):
            if method in _FEED_METHODS | {"build", "__call__"}:
                return self._model_method(owner, method, node, frame)
            return None
        if isinstance(owner, ListValue) and method == "append" and node.args:
            value = self._eval(node.args[0], frame)
            if frame.muted:
                owner.poisoned = True
            else:
                owner.items.append(value)
            return None
        if isinstance(owner, ListValue) and method in ("extend", "insert", "pop", "remove"):
            owner.poisoned = True
            return None
        if isinstance(owner, Tensor):
            return self._tensor_method(owner, method, node, frame)
        return _NOT_HANDLED

    def _model_method(self, model: object, method: str, node: ast.Call, frame: _Frame) -> object:
        if method == "add" and isinstance(model, SequentialModel) and node.args:
            self._add_layer(model, self._eval(node.args[0], frame), node.args[0], frame)
            return None
        if method == "build" and node.args:
            value = self._eval(node.args[0], frame)
            if isinstance(value, Const) and isinstance(value.value, tuple) and (
                all(dim is None or type(dim) is int for dim in value.value)
            ):
                shape = _shape_of_literal(value.value, batch=False)
                self._feed(model, Tensor(shape, self._line(node, frame)), frame)
            return None
        if method == "compile" and isinstance(model, SequentialModel):
            loss = _keyword(node, "loss") or (node.args[1] if len(node.args) > 1 else None)
            value = self._eval(loss, frame) if loss is not None else None
            model.loss = value.value if isinstance(value, Const) and isinstance(
                value.value, str) else None
            return None
        if method in _FEED_METHODS:
            data = node.args[0] if node.args else _keyword(node, "x")
            value = self._eval(data, frame) if data is not None else None
            if isinstance(value, Tensor) and value.shape.known and value.shape.dims:
                batch = Shape((BATCH, *value.shape.dims[1:]))
                output = self._feed(model, Tensor(batch, value.origin), frame)
                if method == "fit" and isinstance(model, SequentialModel):
                    self._check_targets(model, output, node, frame)
            return None
        return None

    def _check_targets(self, model: SequentialModel, output: object, node: ast.Call,
                       frame: _Frame) -> None:
        """`fit(x, y)` whose literal-shaped targets cannot meet the output under the loss."""
        targets_node = node.args[1] if len(node.args) > 1 else _keyword(node, "y")
        targets = self._eval(targets_node, frame) if targets_node is not None else None
        if not (isinstance(output, Tensor) and isinstance(targets, Tensor) and model.loss
                and model.layers and isinstance(model.layers[-1][0], BuiltinLayer)):
            return
        message = target_error(model.loss, output.shape, targets.shape)
        if message is None:
            return
        layer, site, offset = model.layers[-1]
        site_frame = _Frame(frame.env, offset, frame.instance, frame.methods, None, frame.muted)
        flatten = _missing_flatten(model)
        insertion = None
        if flatten is not None:
            message += (f" (the {flatten[0]} on line {flatten[1]} gets a rank-"
                        f"{flatten[2]} input that nothing flattens)")
            insertion = self._flatten_insertion(flatten[3], flatten[1])
        self._record(site, site_frame, layer, (), output.shape, message, targets.origin,
                     targets.shape, insertion)

    def _flatten_insertion(self, element: ast.expr, line: int) -> tuple[int, str] | None:
        """(line, text) of a `Flatten()` line to insert before the Dense `element` on `line`,
        spelled like the Dense (`layers.Flatten(),` in a list; `model.add(layers.Flatten())` in
        an add-chain), when the Dense starts its own line; else None."""
        lines = self.text.splitlines()
        if not (0 < line <= len(lines)) or not isinstance(element, ast.Call):
            return None
        text = lines[line - 1]
        indent = text[: len(text) - len(text.lstrip())]
        func = element.func
        if isinstance(func, ast.Attribute) and dotted_name(func) is not None:
            prefix = (dotted_name(func) or "").rsplit(".", 1)[0] + "."
        elif isinstance(func, ast.Name) and self.imports.get("Flatten", "").endswith(
            "layers.Flatten"
        ):
            prefix = ""
        else:
            return None
        flatten = f"{prefix}Flatten()"
        if element.col_offset == len(indent):
            return line, f"{indent}{flatten},"
        added = re.match(r"(\s*)([A-Za-z_][\w.]*)\.add\($", text[: element.col_offset])
        if added is not None:
            return line, f"{added.group(1)}{added.group(2)}.add({flatten})"
        return None

    def _feed(self, model: object, tensor: Tensor, frame: _Frame) -> object:
        if isinstance(model, SequentialModel):
            if not model.poisoned:
                return self._run_sequential(model, tensor, frame)
        elif isinstance(model, (Instance, BuiltinLayer)):
            return self._call_layer(model, [tensor], {}, None, frame)
        return None

    def _tensor_method(self, tensor: Tensor, method: str, node: ast.Call, frame: _Frame) -> object:
        if method == "size" and node.args and tensor.shape.known:
            index = self._eval(node.args[0], frame)
            dims = tensor.shape.dims or ()
            if isinstance(index, Const) and type(index.value) is int and (
                -len(dims) <= index.value < len(dims)
            ) and dims[index.value] is not None:
                return Const(dims[index.value])
            return None
        args = tuple(self._op_argument(self._eval(arg, frame)) for arg in node.args)
        kwargs = {kw.arg: self._op_argument(self._eval(kw.value, frame))
                  for kw in node.keywords if kw.arg}
        return self._op_result("torch", f"Tensor.{method}", (tensor.shape, *args), kwargs, node,
                               frame)

    # -- layer calls ----------------------------------------------------------------------
    def _call_layer(self, layer: object, args: list, kwargs: dict, node: ast.Call | None,
                    frame: _Frame) -> object:
        inputs = args[0] if args else kwargs.get("inputs")
        if isinstance(layer, SequentialModel):
            if not isinstance(inputs, Tensor) or layer.poisoned:
                return None
            return self._run_sequential(layer, inputs, frame)
        if isinstance(layer, Instance):
            return self._call_instance(layer, args, kwargs, frame)
        if not isinstance(layer, BuiltinLayer) or node is None:
            return None
        return self._apply(layer, inputs, node, frame)

    def _apply(self, layer: BuiltinLayer, inputs: object, site: ast.expr | ast.stmt, frame: _Frame) -> object:
        """One built-in layer applied to `inputs` at `site`: records the site's shapes."""
        tensors: list[Tensor]
        if isinstance(inputs, Tensor):
            tensors = [inputs]
        elif isinstance(inputs, ListValue) and inputs.items and all(
            isinstance(item, Tensor) for item in inputs.items
        ):
            tensors = list(inputs.items)
        else:
            tensors = [Tensor(Shape.unknown())]
        shapes = tuple(tensor.shape for tensor in tensors)
        layer.last_rank = shapes[0].rank
        if layer.first_input is None and not frame.muted:
            self.events += 1
            layer.first_input = shapes[0] if len(shapes) == 1 else Shape.unknown()
            if layer.built_at is None:
                layer.built_at = self.events
        try:
            result = layer_rules.output_shape(layer.framework, layer.name, layer.config, shapes)
        except Exception:  # a rule that cannot cope with these arguments knows nothing
            result = Shape.unknown()
        weights_error = _weights_mismatch(layer, shapes)
        if weights_error is not None:
            result = ShapeError(weights_error, layer.framework)
        line = self._line(site, frame)
        origin = next((tensor.origin for tensor in tensors if tensor.origin is not None), None)
        if isinstance(result, ShapeError):
            self._record(site, frame, layer, shapes, None, result.message, origin)
            return Tensor(Shape.unknown(), line)
        self._record(site, frame, layer, shapes, result, None, origin)
        if isinstance(result, tuple):
            return ListValue([Tensor(shape, line) for shape in result])
        return Tensor(result, line)

    def _run_sequential(self, model: SequentialModel, tensor: Tensor, frame: _Frame) -> object:
        self.ran.add(id(model))
        value: object = tensor
        for layer, node, offset in model.layers:
            site_frame = _Frame(frame.env, offset, frame.instance, frame.methods, None, frame.muted)
            if isinstance(layer, BuiltinLayer):
                value = self._apply(layer, value, node, site_frame)
            elif isinstance(layer, (SequentialModel, Instance)):
                value = self._call_layer(layer, [value], {}, None, site_frame)
            else:
                return None
            if not isinstance(value, (Tensor, ListValue)):
                return None
        return value

    def _record(self, site: ast.expr | ast.stmt, frame: _Frame, layer: BuiltinLayer,
                inputs: tuple[Shape, ...], output: Any, error: str | None,
                origin: int | None, targets: Shape | None = None,
                insertion: tuple[int, str] | None = None,
                weights: tuple[Shape, ...] | None = None) -> None:
        if frame.muted:
            return
        line = self._line(site, frame)
        end_line = (getattr(site, "end_lineno", None) or site.lineno) + frame.offset
        record = CallShape(line, site.col_offset, end_line,
                           getattr(site, "end_col_offset", None) or site.col_offset,
                           layer.name, layer.framework, inputs, output, error, origin,
                           targets, weights, _bound_axis(layer), insertion)
        self.records.setdefault((line, site.col_offset), []).append(record)
        self.log.append(record)

    # -- model classes --------------------------------------------------------------------
    def _instantiate(self, info: ClassInfo, node: ast.Call, frame: _Frame) -> Instance:
        instance = Instance(info.node.name, info.framework, line=self._line(node, frame))
        if frame.instance is not None:
            self.nested_classes.add(info.node.name)
        init = info.methods.get("__init__")
        if init is not None:
            args = [self._eval(arg, frame) for arg in node.args]
            kwargs = {kw.arg: self._eval(kw.value, frame) for kw in node.keywords if kw.arg}
            self._call_function(init, info.offset, args, kwargs, instance, info.methods)
        return instance

    def _call_instance(self, instance: Instance, args: list, kwargs: dict, frame: _Frame) -> object:
        info = self.classes.get(instance.class_name)
        if info is None:
            return None
        if args and isinstance(args[0], Tensor) and args[0].shape.dims is not None:
            self.fed_classes.add(instance.class_name)
        forward_name = "forward" if info.framework == "torch" else "call"
        forward = info.methods.get(forward_name)
        if forward is None:
            return None
        return self._call_function(forward, info.offset, args, kwargs, instance, info.methods,
                                   muted=frame.muted)

    def _class_from_comment(self, info: ClassInfo) -> None:
        """A `# layerlint: input-shape=...` comment in or just above a class gives its forward
        method's input when nothing in the module calls it."""
        start = info.node.lineno + info.offset
        end = (info.node.end_lineno or info.node.lineno) + info.offset
        dims = next((dims for line, dims in self._comments().items() if start - 1 <= line <= end),
                    None)
        if not dims:
            return
        init = info.methods.get("__init__")
        if init is not None and len(init.args.args) > 1 + len(init.args.defaults):
            return  # constructor arguments we do not know
        instance = Instance(info.node.name, info.framework, line=start)
        if init is not None:
            self._call_function(init, info.offset, [], {}, instance, info.methods)
        self._call_instance(instance, [Tensor(Shape(dims), start)], {}, _Frame({}, info.offset))

    def _set_weights(self, layer: BuiltinLayer, node: ast.Call, frame: _Frame) -> None:
        """Remembers `layer.set_weights([np.zeros((20, 8)), ...])` whose every array has a
        literal shape, to be checked once the layer's input is known (`_check_set_weights`)."""
        if layer.framework == "torch":
            return
        value = self._eval(node.args[0], frame)
        if frame.muted or not isinstance(value, ListValue) or value.poisoned or not value.items:
            return
        if not all(isinstance(item, Tensor) and item.shape.fully_known for item in value.items):
            return
        self.events += 1
        given = tuple(item.shape for item in value.items)
        self.set_weights.append((layer, given, node, frame, self.events))

    def _check_set_weights(self) -> None:
        """The error Keras raises for each remembered `set_weights` whose layer was built
        before it, on one known input (`Layer dense weight shape (20, 8) is not compatible with
        provided weight shape (10, 8).`)."""
        pending, self.set_weights = self.set_weights, []
        for layer, given, node, frame, event in pending:
            built = layer.first_input
            if layer.built_at is None or layer.built_at > event or built is None or (
                    not built.known):
                continue
            error = weights.weights_error(layer.framework, layer.name, layer.config, built, given,
                                          via="set_weights")
            if error is not None:
                self._record(node, frame, layer, (built,), None, error.message, None,
                             weights=given)

    def _configured_input(self) -> Tensor:
        dims = self.configured_input or ()
        return Tensor(Shape((BATCH, *dims[1:])), CONFIGURED)

    def _candidate_sequentials(
        self, sequentials: list[tuple[SequentialModel, int]]
    ) -> list[tuple[SequentialModel, int]]:
        """The Sequentials that nothing in the module gives an input (no declared input, never
        run, not poisoned) and that are no part of another model (built inside a model class,
        or a layer of another Sequential)."""
        if not self.configured_input:
            return []
        return [(model, offset) for model, offset in sequentials
                if model.declared_input is None and model.layers and not model.poisoned
                and id(model) not in self.ran and id(model) not in self.nested]

    def _configured_model(self) -> None:
        """The configured input shape for the module's top-level model that no input reaches:
        a Sequential (`_candidate_sequentials`) or a model class (a torch Module, a Keras Model)
        that nothing calls on a shaped input and that no other model class names. Only when
        there is exactly one: which of several models the setting describes is not known."""
        for info in self.classes.values():  # a class another model class names is a part
            self.nested_classes |= layout.names_in(info.node) - {info.node.name}
        sequentials = {id(model): (model, offset) for model, offset in
                       [*self.candidates, *self._candidate_sequentials(self.sequentials)]}
        classes = [info for info in self.classes.values() if self._configured_class(info)]
        if len(sequentials) + len(classes) != 1:
            return
        for model, offset in sequentials.values():
            model.finished = True
            self._run_sequential(model, self._configured_input(), _Frame({}, offset))
        for info in classes:
            instance = Instance(info.node.name, info.framework, line=info.node.lineno + info.offset)
            init = info.methods.get("__init__")
            if init is not None:
                self._call_function(init, info.offset, [], {}, instance, info.methods)
            self._call_instance(instance, [self._configured_input()], {}, _Frame({}, info.offset))

    def _configured_class(self, info: ClassInfo) -> bool:
        """Whether a model class may take the configured input shape (see `_configured_model`)."""
        name = info.node.name
        if name in self.fed_classes or name in self.nested_classes or not self._is_model(info):
            return False
        init = info.methods.get("__init__")
        # Constructor arguments we do not know make its layers unknown.
        return init is None or len(init.args.args) <= 1 + len(init.args.defaults)

    def _is_model(self, info: ClassInfo) -> bool:
        """Torch: any Module; Keras: a Model subclass (a custom Layer takes another layer's
        output, not the model's input)."""
        if info.framework == "torch":
            return True
        for qualified, _ in self._base_frameworks(info.node):
            if qualified.rsplit(".", 1)[-1] in ("Model", "Sequential"):
                return True
            local = self.classes.get(qualified)
            if local is not None and local is not info and self._is_model(local):
                return True
        return False

    def _comments(self) -> dict[int, tuple[int, ...]]:
        """1-based line -> shape of each `# layerlint: input-shape=` comment (found once)."""
        if self.comment_lines is None:
            self.comment_lines = {
                number: dims for number, line in enumerate(self.text.splitlines(), start=1)
                if "input-shape" in line and (dims := comment_shape(line))
            } if "input-shape" in self.text else {}
        return self.comment_lines

    def _call_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef, offset: int,
                       args: list, kwargs: dict, instance: Instance | None,
                       methods: dict | None = None, muted: bool = False) -> object:
        self.interpreted.add(id(function))
        if self.depth >= _MAX_DEPTH:
            return None
        env: dict = {}
        parameters = [*function.args.posonlyargs, *function.args.args]
        if instance is not None and parameters:
            parameters = parameters[1:]
        defaults = function.args.defaults
        first_default = len(parameters) - len(defaults)
        for index, parameter in enumerate(parameters):
            if index < len(args):
                env[parameter.arg] = args[index]
            elif parameter.arg in kwargs:
                env[parameter.arg] = kwargs[parameter.arg]
            elif index >= first_default:
                default = defaults[index - first_default]
                env[parameter.arg] = self._eval(default, _Frame({}, offset))
            else:
                env[parameter.arg] = None
        for parameter, kw_default in zip(function.args.kwonlyargs, function.args.kw_defaults):
            if parameter.arg in kwargs:
                env[parameter.arg] = kwargs[parameter.arg]
            else:
                env[parameter.arg] = (self._eval(kw_default, _Frame({}, offset))
                                      if kw_default else None)
        if function.args.vararg:
            env[function.args.vararg.arg] = None
        if function.args.kwarg:
            env[function.args.kwarg.arg] = None
        returns: list = []
        frame = _Frame(env, offset, instance, methods or {}, returns, muted)
        self.depth += 1
        try:
            self._body(function.body, frame)
        finally:
            self.depth -= 1
        if not returns:
            return None
        first = returns[0]
        return first if all(_same(first, other) for other in returns[1:]) else None

    def _line(self, node: ast.AST, frame: _Frame) -> int:
        return getattr(node, "lineno", 0) + frame.offset


_DEFINITIONS = layout.DEFINITIONS


def clear_caches() -> None:
    """Forget every remembered layout, definition fact and run (tests that need a fresh
    interpreter; a new session)."""
    layout.clear()
    replay.clear()
    resume.clear()
    call_memo.clear()
    _configs_generation[0] += 1


def forget(statements: list[ast.stmt]) -> None:
    """Drop what is remembered about `statements` (the top-level statements of a block that
    left its document, `document_memory`): the caches are keyed by node identity and keep the
    nodes alive. (A construction call's configurations live on the call node itself and die
    with its tree: forgetting a block needs no walk of its nodes.)"""
    ids = {id(statement) for statement in statements}
    layout.forget(ids)
    replay.forget(ids)
    resume.forget(statements)
    call_memo.forget(ids)


_WRAPPERS = {"Bidirectional", "TimeDistributed"}
_MERGE_FUNCTIONS = {
    "concatenate": "Concatenate", "add": "Add", "multiply": "Multiply", "subtract": "Subtract",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
}
_NOT_HANDLED = object()
_AS_WRITTEN = object()
_CONFIGS = "_layerlint_configs"
"""The attribute of a construction call node that holds (generation, its configuration per
(framework, layer, literal values of its arguments)): kept on the node, it lives exactly as
long as the node's tree (like `tree_memo`); `ast.dump`, `ast.unparse` and copies ignore it."""
_configs_generation = [0]
"""Bumped by `clear_caches()`: configurations of an older generation are stale."""
_CONFIGS_PER_CALL = 16


def _with_literals(call: ast.Call, values: tuple) -> ast.Call:
    """The construction `call` with its arguments replaced by the literals in `values` (one per
    positional, then per keyword argument; `_AS_WRITTEN` keeps the argument)."""
    def literal(node: ast.expr, value: object) -> ast.expr:
        if value is _AS_WRITTEN:
            return node
        return ast.copy_location(_literal_node(value), node)

    positional = len(call.args)
    return ast.copy_location(ast.Call(
        func=call.func,
        args=[literal(arg, value) for arg, value in zip(call.args, values)],
        keywords=[ast.keyword(arg=keyword.arg, value=literal(keyword.value, value))
                  for keyword, value in zip(call.keywords, values[positional:])],
    ), call)
_UNKNOWN_ARGUMENT = object()


def _canonical_op(qualified: str) -> str:
    for prefix, replacement in (("tensorflow.", "tf."), ("torch.nn.functional.", "torch.nn.functional.")):
        if qualified.startswith(prefix):
            return replacement + qualified[len(prefix):]
    return qualified


def _unify(first: Any, second: Any) -> Any:
    """One shape for a site seen twice: equal shapes, or shapes that differ only in the batch
    dimension (a symbolic build and a concrete call) with the batch symbolic; else None."""
    if first == second:
        return first
    if isinstance(first, tuple) and isinstance(second, tuple) and len(first) == len(second):
        unified = tuple(_unify(a, b) for a, b in zip(first, second))
        return None if any(shape is None for shape in unified) else unified
    if not (isinstance(first, Shape) and isinstance(second, Shape)):
        return None
    if first.dims is None or second.dims is None or len(first.dims) != len(second.dims):
        return None
    if not first.dims or first.dims[1:] != second.dims[1:]:
        return None
    return Shape((BATCH, *first.dims[1:]))


def _missing_flatten(model: SequentialModel) -> tuple[str, int, int, ast.expr] | None:
    """(layer, line, input rank, element) of the first Dense fed a rank-3+ output of a convolution or
    pooling layer, with no Flatten or global pooling between them."""
    spatial = False
    for layer, site, offset in model.layers:
        if not isinstance(layer, BuiltinLayer):
            return None
        name = layer.name
        if name == "Flatten" or name.startswith("Global"):
            return None
        if name.startswith(("Conv", "MaxPool", "AveragePool", "SeparableConv", "DepthwiseConv")):
            spatial = True
        elif name == "Dense" and spatial:
            return name, site.lineno + offset, layer.last_rank or 0, site
    return None


def _bound_axis(layer: BuiltinLayer) -> int | None:
    """Which input axis sizes the layer's weights or statistics (see `CallShape`)."""
    info = layer.info
    if not (info.shape_bound_weights or info.moving_statistics or (
        layer.framework == "torch" and info.has_weights
    )):
        return None
    name = layer.name
    if layer.framework == "torch":
        if name in ("Linear", "Bilinear", "LazyLinear"):
            return -1
        for rank in (1, 2, 3):
            if name in (f"Conv{rank}d", f"ConvTranspose{rank}d", f"BatchNorm{rank}d",
                        f"InstanceNorm{rank}d", f"LazyConv{rank}d"):
                return -(rank + 1) if rank > 1 or not name.startswith("BatchNorm") else None
        return None
    if (
        name in ("Embedding", "InputLayer", "EinsumDense", "TimeDistributed", "Bidirectional")
        or "Attention" in name or layer.config.get("data_format") == "channels_first"
    ):
        return None
    axis = layer.config.get("axis", -1)
    return axis if axis == -1 else None


def _weights_mismatch(layer: BuiltinLayer, inputs: tuple[Shape, ...]) -> str | None:
    """`Embedding(1000, 64, weights=[matrix])` whose matrix is not (1000, 64). Only where the
    argument is accepted by every Keras the code may target (Keras 3 takes `weights=` on
    Embedding alone; tf-keras everywhere)."""
    if layer.weights is None or not inputs:
        return None
    if layer.name != "Embedding" and layer.framework != "tf_keras":
        return None
    error = weights.weights_error(layer.framework, layer.name, layer.config, inputs[0],
                                  layer.weights)
    return error.message if error is not None else None


def _declared_input(layer: BuiltinLayer, values: dict) -> Shape | None:
    """`input_shape=(30, 30)` -> (batch, 30, 30); `batch_input_shape=(8, 30)` as given;
    `input_dim=20` -> (batch, 20); `Embedding(input_dim=..., input_length=10)` -> (batch, 10).
    `values` holds the evaluated arguments (`_UNKNOWN_ARGUMENT` where not known)."""
    shape = values.get("input_shape")
    if isinstance(shape, tuple) and all(d is None or type(d) is int for d in shape):
        return _shape_of_literal(shape, batch=True)
    if type(shape) is int:
        return Shape((BATCH, shape))
    batch_shape = values.get("batch_input_shape")
    if isinstance(batch_shape, tuple) and all(d is None or type(d) is int for d in batch_shape):
        return _shape_of_literal(batch_shape, batch=False)
    dim = values.get("input_dim")
    if layer.name == "Embedding":
        length = _literal(_keyword(layer.node, "input_length"))
        return Shape((BATCH, length)) if type(length) is int else None
    if type(dim) is int:
        return Shape((BATCH, dim))
    return Shape.unknown()


def _literal(node: ast.expr | None) -> object:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _shape_of_literal(dims: tuple, batch: bool) -> Shape:
    """A literal shape: `batch` adds the batch dimension; a leading None is the batch."""
    converted = tuple(dim if type(dim) is int else None for dim in dims)
    if batch:
        return Shape((BATCH, *converted))
    if converted and converted[0] is None:
        return Shape((BATCH, *converted[1:]))
    return Shape(converted)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _is_literal(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_is_literal(item) for item in value)
    return value is None or type(value) in (int, float, str, bool)


def _literal_node(value: Any) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple(elts=[_literal_node(item) for item in value], ctx=ast.Load())
    return ast.Constant(value)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
        and test.left.id == "__name__" and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _same(first: object, second: object) -> bool:
    if first is second:
        return True
    if isinstance(first, Tensor) and isinstance(second, Tensor):
        return first.shape == second.shape
    if isinstance(first, Const) and isinstance(second, Const):
        return first.value == second.value and type(first.value) is type(second.value)
    return False


def _merge_envs(before: dict, body: dict, orelse: dict) -> dict:
    merged: dict = {}
    for name in set(body) | set(orelse):
        if name in body and name in orelse:
            a, b = body[name], orelse[name]
            if _same(a, b):
                merged[name] = a
            elif isinstance(a, Tensor) and isinstance(b, Tensor):
                merged[name] = Tensor(Shape.unknown())
            else:
                merged[name] = None
        else:
            merged[name] = body.get(name, orelse.get(name))
            if name in before:
                merged[name] = None if not _same(merged[name], before[name]) else before[name]
    return merged


def infer_module(statements: list[tuple[ast.stmt, int]], imports: ImportTable,
                 keras_version: str | None, text: str,
                 configured_input: tuple[int, ...] | None = None,
                 shape_comments: bool = True) -> ModuleShapes:
    """Shapes of every layer call of a module given as (top-level statement, line offset);
    `configured_input` is the configured input shape (`Settings.input_shape`), used only for
    models whose input the code does not give. `shape_comments=False`: the caller knows that
    the text holds no `input-shape` comment (searching a 2,000-line text for it costs 50 us)."""
    try:
        interpreter = Interpreter(statements, imports, keras_version, text, configured_input)
        if not shape_comments:
            interpreter.comment_lines = {}
            interpreter.resumable = True
        result = interpreter.run()
        result.configured_input = configured_input
        return result
    except RecursionError:
        return ModuleShapes()


_source_cache: dict[tuple, ModuleShapes] = {}


def infer_source(text: str, keras_version: str | None = None,
                 configured_input: tuple[int, ...] | None = None) -> ModuleShapes:
    """Shapes of a whole module's text (the CLI, the editor's hints; the engine passes its
    blocks). The last few texts are remembered: hints and hover ask for the same text."""
    key = (text, keras_version, configured_input)
    if key not in _source_cache:
        if len(_source_cache) >= 8:
            _source_cache.pop(next(iter(_source_cache)))
        _source_cache[key] = _infer_text(text, keras_version, configured_input)
    return _source_cache[key]


def _infer_text(text: str, keras_version: str | None,
                configured_input: tuple[int, ...] | None) -> ModuleShapes:
    from layerlint.analysis.imports import collect_imports

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ModuleShapes()
    return infer_module([(statement, 0) for statement in tree.body],
                        collect_imports(tree.body), keras_version, text, configured_input)
