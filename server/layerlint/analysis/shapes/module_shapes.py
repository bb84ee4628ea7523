"""The static shapes of one module, computed from the engine's parsed blocks and cached by the
module's text: the entry point for LL105, `check --shapes` and the editor's static hints.

The cache compares texts instead of hashing them: hashing a 10,000-line text costs more than the
incremental inference itself, and the text of a keystroke is a new string every time. For the
same reason, what the inference reads of every block (its statements, whether it holds a shape
comment) is carried between versions of a document per block (`block_versions`), not gathered
from the whole text again."""

from __future__ import annotations

import ast
from itertools import chain

from layerlint.analysis.block_versions import spliced
from layerlint.analysis.block_words import mentions_any
from layerlint.analysis.imports import ImportTable
from layerlint.analysis.shapes import replay
from layerlint.analysis.shapes.infer import ModuleShapes, infer_module
from layerlint.analysis.source import Block
from layerlint.syntax.bare_names import only_names

_Statements = list[tuple[ast.stmt, int]]
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
"""Statements whose parse again `_moved_down` does not compare (a class can be long; keys
typed into one are the editor's commonest)."""

_SHAPE_COMMENT = "input-shape"
"""What a `# layerlint: input-shape=` comment holds (`sources.comment_shape`); looked for in the
blocks, which remember what they hold (`block_words`), not in the whole text."""
_CACHE_SIZE = 2
"""The engine asks for the same text more than once per analysis (LL105, the shape evidence of
LL101/LL103, the editor's hints); each entry holds a whole module text and its shapes (6 MB for
16 versions of a 10,000-line file), so only the latest texts are kept."""
_cache: list[tuple[str, str | None, tuple[int, ...] | None, ModuleShapes, _Statements | None,
                  ImportTable]] = []
"""(text, Keras version, configured input, shapes, statements, imports), the latest last. The
statements with their line offsets, where the text holds no shape comment: a keystroke that
leaves every parsed statement where it was (in a class that does not parse before or after
it) gives the same shapes, as the inference reads the text only for shape comments and for the
lines of its statements' own nodes. They compare by identity (`ast` nodes have no `__eq__`);
`forget` drops those of a retired block (they would keep its tree alive)."""


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
    for index, (known, version, configured, shapes, _, _) in enumerate(_cache):
        if version == keras_version and configured == configured_input and (
                known is text or (len(known) == len(text) and known == text)):
            _cache.append(_cache.pop(index))
            return shapes
    placed: list[list[tuple[ast.stmt, int]]] = spliced(
        blocks, "shape statements", _placed_statements, _moved_statements, comment_blind=True)
    statements = list(chain.from_iterable(placed))
    comments = mentions_any(blocks, (_SHAPE_COMMENT,))
    result = None if comments else next(
        (shapes for _, version, configured, shapes, kept, kept_imports in _cache
         if version == keras_version and configured == configured_input and kept == statements
         and kept_imports == imports), None)
    if result is None and not comments and _cache:
        _, version, configured, shapes, kept, kept_imports = _cache[-1]
        if (version == keras_version and configured == configured_input and kept is not None
                and kept_imports == imports):
            result = _moved_down(shapes, kept, statements)

    if result is None:
        result = infer_module(statements, imports, keras_version, text, configured_input,
                              comments)
    _cache.append((text, keras_version, configured_input, result,
                   None if comments else statements, imports))
    if len(_cache) > _CACHE_SIZE:
        del _cache[0]
    return result


def _moved_down(shapes: ModuleShapes, kept: _Statements,
                statements: _Statements) -> ModuleShapes | None:
    """`shapes` of the version whose statements were `kept`, where the new version has the same
    statements, those from some point on moved down or up by one number of lines (a line
    opened or closed above them: the first key of a new statement in a script), with its
    records moved with them; None otherwise (`replay.moved_records`). A statement of the
    module's own code parsed again (its block's text changed around it) counts as the same
    where it reads the same at the same place."""
    if len(kept) != len(statements):
        return None
    delta, boundary = 0, 0
    for (old, old_offset), (new, new_offset) in zip(kept, statements):
        if old is not new:
            if (delta or old_offset != new_offset or isinstance(old, _DEFINITIONS)
                    or ast.dump(old, include_attributes=True)
                    != ast.dump(new, include_attributes=True)):
                return None
        elif new_offset - old_offset != delta:
            if delta:
                return None  # moved by another number of lines, or not moved below a move
            delta = new_offset - old_offset
            decorators = getattr(old, "decorator_list", [])
            boundary = min([old.lineno, *(decorator.lineno for decorator in decorators)]) \
                + old_offset
    if not delta:
        return shapes

    def move(line: int) -> int:
        return line + delta if line >= boundary else line

    calls = replay.moved_records(shapes.calls, move)
    errors = replay.moved_records(shapes.errors, move)
    if calls is None or errors is None:
        return None
    return ModuleShapes(calls, errors, shapes.sites, shapes.configured_input)


def forget(statements: list[ast.stmt]) -> None:
    """Let go of the kept statement lists that hold one of `statements` (the top-level
    statements of a block that left its document, `document_memory`)."""
    gone = {id(statement) for statement in statements}
    _cache[:] = [entry if entry[4] is None or not any(id(statement) in gone
                                                     for statement, _ in entry[4])
                 else (*entry[:4], None, entry[5]) for entry in _cache]


def _placed_statements(block: Block) -> list[tuple[ast.stmt, int]]:
    """The block's top-level statements with its line offset (none where it does not parse),
    carried between versions of a document (`block_versions.spliced`). Statements the
    inference does nothing for are left out (`syntax.bare_names`: a half-typed name in a
    script's own code, `model.fi`), so a version that differs from the last only in one has its
    shapes."""
    return [] if block.tree is None else [(statement, block.start_line - 1)
                                          for statement in block.tree.body
                                          if not only_names(statement)]


def _moved_statements(_: list[tuple[ast.stmt, int]], block: Block) -> list[tuple[ast.stmt, int]]:
    return _placed_statements(block)
