"""Finding a trace's input shape in the source, statically (`ast` only, nothing runs).

Sources, most specific first (the command line and settings are the caller's business: the
command wins over all of these, settings come after them):
1. a `# layerlint: input-shape=1,32,32,3` comment in or just above the class, else anywhere
   outside other classes;
2. `keras.Input(shape=(32, 32, 3))` (batch 1 added; `batch_size=` honoured), or an
   `input_shape=(32, 32, 3)` argument of a layer;
3. a `.build((None, 32, 32, 3))` call (None batch -> 1);
4. a concrete call on an instance of the class, e.g. `FeatureExtractor()(np.zeros((1, 32, 32,
   3)))` or `model = Net(); model(torch.randn(1, 3, 32, 32))`.
Within each kind, a candidate inside the class (or on an instance of it) beats one elsewhere.
Shapes with unknown dimensions (None beyond the batch) are not guesses worth running.

Several inputs: the comment takes the JSON forms of `input_spec` (`# layerlint:
input-shape={"image": [1,32,32,3], "tokens": {"shape": [1,10], "dtype": "int32"}}`); a
functional model built from several `keras.Input`s gets all of them, in the order of
`Model(inputs=[...])` (a dict there keeps its names), each with its `dtype=`; a concrete call
with several array arguments (or a dict of arrays) gives those.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from layerlint.trace.input_spec import InputSpec, TensorSpec, parse_input_spec
from layerlint.trace.targets import model_classes

COMMENT = re.compile(r"#\s*layerlint:\s*input-shape\s*=\s*\(?\s*([0-9][0-9,\s]*)\)?", re.I)
JSON_COMMENT = re.compile(r"#\s*layerlint:\s*input-shape\s*=\s*([\[{].*)$", re.I)
ARRAY_MAKERS = frozenset({"zeros", "ones", "empty", "full", "randn", "rand", "normal",
                          "uniform", "random", "standard_normal", "random_normal",
                          "random_uniform"})
INPUT_MAKERS = frozenset({"Input", "InputLayer"})
KIND_ORDER = ("comment", "keras.Input", "build", "call")


@dataclass(frozen=True)
class ShapeHint:
    shape: tuple[int, ...]
    kind: str
    """One of KIND_ORDER."""
    line: int
    dtype: str | None = None
    spec: InputSpec | None = None
    """Several inputs (None: the one `shape`, of `dtype`)."""

    def describe(self) -> str:
        return f"{self.kind} on line {self.line}"


def discover(source: str, target: str | None = None) -> ShapeHint | None:
    """The best input shape for `target` (a class name) in `source`, or None."""
    span = _class_span(source, target)
    candidates = _comment_hints(source, span)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        instances = _instance_names(tree, target)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                hint = _call_hint(node, target, instances)
                if hint is not None:
                    candidates.append(hint)
    if not candidates:
        return None

    def rank(hint: ShapeHint) -> tuple[int, int, int]:
        inside = span is not None and span[0] <= hint.line <= span[1]
        return (KIND_ORDER.index(hint.kind), 0 if inside or hint.kind == "call" else 1,
                hint.line)

    best = min(candidates, key=rank)
    if best.kind == "keras.Input" and tree is not None:
        return _all_inputs(tree, best) or best
    return best


def _all_inputs(tree: ast.AST, best: ShapeHint) -> ShapeHint | None:
    """A functional model with several `keras.Input`s: every one, in `Model(inputs=...)`
    order (a dict there keeps its names), or in the order they are written."""
    named: dict[str, tuple[ShapeHint, str | None]] = {}
    written: list[tuple[ShapeHint, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                _last_name(node.value.func) == "Input":
            hint = _input_hint(node.value)
            if hint is None:
                continue
            name = _keyword(node.value, "name")
            label = name.value if isinstance(name, ast.Constant) and \
                isinstance(name.value, str) else None
            written.append((hint, label))
            for item in node.targets:
                if isinstance(item, ast.Name):
                    named[item.id] = (hint, label)
    if len(written) < 2:
        return None
    written.sort(key=lambda pair: pair[0].line)
    order, structure = _model_inputs(tree, named)
    chosen = order or [(None, pair) for pair in written]
    tensors = tuple(TensorSpec(hint.shape, hint.dtype or "float32",  # keras.Input's default
                               key if structure == "dict" else None)
                    for key, (hint, _) in chosen)
    if len(tensors) < 2:
        return None
    return ShapeHint(tensors[0].shape, best.kind, chosen[0][1][0].line, tensors[0].dtype,
                     InputSpec(tensors, structure))


def _model_inputs(tree: ast.AST, named: dict[str, tuple[ShapeHint, str | None]]
                  ) -> tuple[list[tuple[str | None, tuple[ShapeHint, str | None]]], str]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _last_name(node.func) in ("Model", "Functional")):
            continue
        argument = _keyword(node, "inputs") or (node.args[0] if node.args else None)
        if isinstance(argument, (ast.List, ast.Tuple)):
            items = [named.get(item.id) if isinstance(item, ast.Name) else None
                     for item in argument.elts]
            if items and all(items):
                return [(None, item) for item in items if item], "several"
        if isinstance(argument, ast.Dict):
            pairs: list[tuple[str | None, tuple[ShapeHint, str | None]]] = []
            for key, value in zip(argument.keys, argument.values):
                if not (isinstance(key, ast.Constant) and isinstance(value, ast.Name)
                        and value.id in named):
                    break
                pairs.append((str(key.value), named[value.id]))
            else:
                if pairs:
                    return pairs, "dict"
    return [], "several"


def _class_span(source: str, target: str | None) -> tuple[int, int] | None:
    for item in model_classes(source):
        if item.name == target:
            return item.line, item.end_line
    return None


def _comment_hints(source: str, span: tuple[int, int] | None) -> list[ShapeHint]:
    """Comments in the class or in the comment block right above it; others outside classes."""
    other_classes = [(item.line, item.end_line) for item in model_classes(source)
                     if span is None or (item.line, item.end_line) != span]
    lines = source.splitlines()
    hints = []
    for number, text in enumerate(lines, start=1):
        spec = _comment_spec(text)
        if spec is None:
            continue
        shape, dtype = spec.shape, spec.tensors[0].dtype
        many = spec if len(spec.tensors) > 1 or spec.structure != "single" else None
        above = span is not None and _is_comment_block_above(lines, number, span[0])
        inside = span is not None and span[0] <= number <= span[1]
        if span is not None and (above or inside):
            hints.append(ShapeHint(shape, "comment", span[0] if above else number, dtype, many))
        elif not any(start <= number <= end for start, end in other_classes):
            hints.append(ShapeHint(shape, "comment", number, dtype, many))
    return hints


def _comment_spec(text: str) -> InputSpec | None:
    match = JSON_COMMENT.search(text)
    if match is not None:
        try:
            return parse_input_spec(match.group(1).strip())
        except ValueError:
            return None
    match = COMMENT.search(text)
    shape = _parse_ints(match.group(1)) if match else ()
    return InputSpec((TensorSpec(shape),)) if shape else None


def _is_comment_block_above(lines: list[str], number: int, class_line: int) -> bool:
    if number >= class_line:
        return False
    return all(lines[index - 1].lstrip().startswith(("#", "@")) or not lines[index - 1].strip()
               for index in range(number, class_line))


def _parse_ints(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        return ()


def _instance_names(tree: ast.AST, target: str | None) -> set[str]:
    """Names bound to `Target(...)`: `model = Target()` or `self.model = Target()`."""
    names: set[str] = set()
    if target is None:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _constructs(node.value, target):
            for item in node.targets:
                if isinstance(item, ast.Name):
                    names.add(item.id)
                elif isinstance(item, ast.Attribute):
                    names.add(item.attr)
    return names


def _constructs(node: ast.expr, target: str) -> bool:
    return isinstance(node, ast.Call) and _last_name(node.func) == target


def _call_hint(node: ast.Call, target: str | None, instances: set[str]) -> ShapeHint | None:
    name = _last_name(node.func)
    if name in INPUT_MAKERS:
        return _input_hint(node)
    shape_keyword = _keyword(node, "input_shape")
    if shape_keyword is not None:  # Keras 2 style: Conv2D(..., input_shape=(32, 32, 3))
        shape = _literal_shape(shape_keyword)
        return _with_batch(shape, node, "keras.Input") if shape else None
    if name == "build" and isinstance(node.func, ast.Attribute):
        argument = node.args[0] if node.args else _keyword(node, "input_shape")
        shape = _literal_shape(argument) if argument is not None else None
        if shape and len(shape) > 1:
            return _hint(((shape[0] or 1), *shape[1:]), "build", node)
        return None
    if target is not None and node.args and _calls_instance(node.func, target, instances):
        return _concrete_call_hint(node)
    return None


def _concrete_call_hint(node: ast.Call) -> ShapeHint | None:
    """`model(x)`, `model(x, mask)`, `model([a, b])`, `model({"image": a, "tokens": b})`."""
    first = node.args[0]
    if isinstance(first, ast.Dict):
        tensors = []
        for key, value in zip(first.keys, first.values):
            shape = _array_shape(value) if value is not None else None
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or not shape:
                return None
            tensors.append(TensorSpec(shape, _array_dtype(value), key.value))
        return _several(tensors, "dict", node)
    arrays = list(first.elts) if isinstance(first, (ast.List, ast.Tuple)) else list(node.args)
    shapes = [_array_shape(item) for item in arrays]
    if len(arrays) > 1 and all(shapes):
        tensors = [TensorSpec(shape, _array_dtype(item))
                   for shape, item in zip(shapes, arrays) if shape]
        return _several(tensors, "several", node)
    shape = _array_shape(first)
    return _hint(shape, "call", node) if shape else None


def _several(tensors: list[TensorSpec], structure: str, node: ast.Call) -> ShapeHint | None:
    if not tensors or any(dim <= 0 for tensor in tensors for dim in tensor.shape):
        return None
    spec = InputSpec(tuple(tensors), structure)
    return ShapeHint(tensors[0].shape, "call", node.lineno, tensors[0].dtype, spec)


def _array_dtype(node: ast.expr) -> str | None:
    """`dtype="int32"` or `dtype=torch.long` / `np.int64` of an array maker."""
    if not isinstance(node, ast.Call):
        return None
    dtype = _keyword(node, "dtype")
    if isinstance(dtype, ast.Constant) and isinstance(dtype.value, str):
        return dtype.value
    name = _last_name(dtype) if dtype is not None else None
    return {"long": "int64", "int": "int32"}.get(name or "", name) if name else None


def _input_hint(node: ast.Call) -> ShapeHint | None:
    argument = node.args[0] if node.args else (
        _keyword(node, "shape") or _keyword(node, "input_shape"))
    shape = _literal_shape(argument) if argument is not None else None
    if shape is None:
        return None
    hint = _with_batch(shape, node, "keras.Input")
    dtype = _keyword(node, "dtype")
    if hint is not None and isinstance(dtype, ast.Constant) and isinstance(dtype.value, str):
        hint = ShapeHint(hint.shape, hint.kind, hint.line, dtype.value)
    return hint


def _with_batch(shape: tuple[int | None, ...], node: ast.Call, kind: str) -> ShapeHint | None:
    batch = _keyword(node, "batch_size")
    size = batch.value if isinstance(batch, ast.Constant) and isinstance(batch.value, int) else 1
    return _hint((size, *shape), kind, node)


def _hint(shape: tuple[int | None, ...], kind: str, node: ast.AST) -> ShapeHint | None:
    if not shape or any(dim is None or dim <= 0 for dim in shape):
        return None
    return ShapeHint(tuple(int(dim) for dim in shape if dim is not None), kind,
                     getattr(node, "lineno", 0))


def _calls_instance(func: ast.expr, target: str, instances: set[str]) -> bool:
    """`instance(...)`, `Target()(...)`, `instance.predict(...)`/`.forward(...)`."""
    if isinstance(func, ast.Attribute) and func.attr in ("predict", "forward", "call"):
        func = func.value
    if isinstance(func, ast.Call):
        return _last_name(func.func) == target
    return _last_name(func) in instances


def _array_shape(node: ast.expr) -> tuple[int, ...] | None:
    """`np.zeros((1, 32, 32, 3))`, `torch.randn(1, 3, 32, 32)`, `tf.ones(shape=[2, 8])`."""
    if not isinstance(node, ast.Call) or _last_name(node.func) not in ARRAY_MAKERS:
        return None
    argument = _keyword(node, "shape") or _keyword(node, "size")
    if argument is None and node.args:
        if len(node.args) > 1 and all(_int_value(item) is not None for item in node.args):
            return tuple(_int_value(item) for item in node.args)  # type: ignore[misc]
        argument = node.args[0]
    shape = _literal_shape(argument) if argument is not None else None
    if shape is None or any(dim is None for dim in shape):
        return None
    return tuple(int(dim) for dim in shape if dim is not None)


def _literal_shape(node: ast.expr) -> tuple[int | None, ...] | None:
    if isinstance(node, (ast.Tuple, ast.List)):
        dims: list[int | None] = []
        for item in node.elts:
            if isinstance(item, ast.Constant) and item.value is None:
                dims.append(None)
            elif (value := _int_value(item)) is not None:
                dims.append(value)
            else:
                return None
        return tuple(dims)
    value = _int_value(node)
    return (value,) if value is not None else None


def _int_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((item.value for item in node.keywords if item.arg == name), None)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None
