"""Where a model's input shape comes from without running anything: arrays made in the file
with a literal shape (`np.zeros((2, 20))`, `np.random.rand(100, 10, 32)`, `tf.zeros`,
`torch.randn(4, 20)`, `rng.normal(size=(8, 3))`) and `# layerlint: input-shape=...` comments."""

from __future__ import annotations

import ast
import re

from layerlint.analysis.shapes.domain import Shape

COMMENT = re.compile(r"#\s*layerlint:\s*input-shape\s*=\s*\(?\s*([0-9][0-9,\s]*)\)?", re.I)

# Functions whose positional arguments are the dimensions (`rand(100, 10, 32)`) ...
_VARARG_MAKERS = {
    "numpy.random.rand", "numpy.random.randn", "torch.randn", "torch.rand", "torch.zeros",
    "torch.ones", "torch.empty",
}
# ... or whose first argument (or `shape=`/`size=`) is the shape.
_SHAPE_FIRST = {
    "numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full", "numpy.random.random",
    "numpy.random.random_sample", "numpy.random.standard_normal", "tensorflow.zeros",
    "tensorflow.ones", "tensorflow.fill", "tensorflow.random.normal", "tensorflow.random.uniform",
    "keras.random.normal", "keras.random.uniform", "keras.ops.zeros", "keras.ops.ones",
}
# `size=` carries the shape (`np.random.normal(0, 1, size=(8, 3))`, `randint(0, 9, (8, 3))`).
_SIZE_MAKERS = {
    "numpy.random.normal", "numpy.random.uniform", "numpy.random.randint", "torch.randint",
}
_GENERATOR_METHODS = {"random", "normal", "uniform", "integers", "standard_normal"}


def _dims(node: ast.expr | None) -> tuple[int, ...] | None:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)):
        dims = [element.value for element in node.elts
                if isinstance(element, ast.Constant) and type(element.value) is int]
        return tuple(dims) if len(dims) == len(node.elts) else None
    return None


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg in names), None)


def array_shape(call: ast.Call, qualified: str | None) -> Shape | None:
    """The shape of the array `call` makes, when it is a literal-shape array maker."""
    if qualified in _VARARG_MAKERS:
        if len(call.args) == 1:
            dims = _dims(call.args[0])
        else:
            parts = [_dims(arg) for arg in call.args]
            dims = None if any(p is None or len(p) != 1 for p in parts) else tuple(
                p[0] for p in parts if p)
        if qualified.startswith("torch.") and dims is None:
            dims = _dims(_keyword(call, "size"))
        return Shape(dims) if dims else None
    if qualified in _SHAPE_FIRST:
        node = _keyword(call, "shape", "size") or (call.args[0] if call.args else None)
        dims = _dims(node)
        return Shape(dims) if dims is not None else None
    if qualified in _SIZE_MAKERS:
        node = _keyword(call, "size")
        if node is None and len(call.args) >= 3:
            node = call.args[2]
        dims = _dims(node)
        return Shape(dims) if dims is not None else None
    if (
        qualified is None and isinstance(call.func, ast.Attribute)
        and call.func.attr in _GENERATOR_METHODS
    ):
        node = _keyword(call, "size") or (
            call.args[0] if call.func.attr in ("random", "standard_normal") and call.args else None
        )
        dims = _dims(node)
        return Shape(dims) if dims is not None else None
    return None


def comment_shape(line: str) -> tuple[int, ...] | None:
    """`# layerlint: input-shape=1,32,32,3` -> (1, 32, 32, 3)."""
    match = COMMENT.search(line)
    if match is None:
        return None
    parts = [part.strip() for part in match.group(1).split(",") if part.strip()]
    return tuple(int(part) for part in parts) if parts else None
