"""The static shapes of one module, computed from the engine's parsed blocks and cached by the
module's text: the entry point for LL105, `check --shapes` and the editor's static hints."""

from __future__ import annotations

from collections import OrderedDict

from layerlint.analysis.imports import ImportTable
from layerlint.analysis.shapes.infer import ModuleShapes, infer_module
from layerlint.analysis.source import Block

_CACHE_SIZE = 2
"""The engine asks twice per analysis (LL105, then the shape evidence of LL101/LL103) for the
same text; each entry holds a whole module text and its shapes (6 MB for 16 versions of a
10,000-line file), so only the latest texts are kept."""
_cache: OrderedDict[tuple, ModuleShapes] = OrderedDict()


def could_hold_layers(text: str) -> bool:
    """False only where no layer can be recorded, so the inference would find nothing: every
    record comes from a built-in layer, named by a qualified name whose root is `keras`,
    `tf_keras`, `tensorflow` (then `tensorflow[.python].keras`) or `torch`
    (`frameworks.framework_of`), and that name is spelled in the text (an import statement or a
    dotted name). Non-ASCII text may spell an identifier another way (NFKC), so it could."""
    return not text.isascii() or "keras" in text or "torch" in text


def module_shapes(text: str, blocks: list[Block], imports: ImportTable,
                  keras_version: str | None,
                  configured_input: tuple[int, ...] | None = None) -> ModuleShapes:
    """Shapes of every layer call of the module; the blocks that do not parse are left out.
    `configured_input`: the configured input shape (`Settings.input_shape`) for models whose
    input the code does not give."""
    key = (text, keras_version, configured_input)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    statements = [
        (statement, block.start_line - 1)
        for block in blocks if block.tree is not None
        for statement in block.tree.body
    ]
    result = infer_module(statements, imports, keras_version, text, configured_input)
    _cache[key] = result
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result
