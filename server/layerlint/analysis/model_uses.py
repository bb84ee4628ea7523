"""What one program does with a model, as data: a `Use` (a save, a reload, a torch move, a
training, a weights-only store, a variable read) with the classes the model holds, and the
`Evidence` of a module that the rules query (`Evidence.of`) and the engine's cache keys read
(`Evidence.signature`). `save_evidence` builds it; `scope_uses` reads the uses of one scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from layerlint.findings import Span

SERIALIZING = ("save", "get_config", "to_json", "clone_model", "checkpoint")
"""Kinds of use that serialize a Keras model's config."""
TORCH_KINDS = ("move", "cast", "state")
"""Torch kinds: a module moved to a device, cast to a dtype, or its `state_dict()` saved or loaded."""
WEIGHT_KINDS = ("train", "save", "checkpoint", "store", "inspect")
"""Kinds of use where a layer's weights matter: trained, written to a file (with or without
the config), or read."""
WEIGHT_ONLY = ("train", "store", "inspect")
"""Kinds only `WEIGHT_KINDS` reads: their lines are in no message."""


@dataclass(frozen=True)
class Use:
    """One thing the code does with a model (or one reload)."""

    kind: str
    """"save", "get_config", "to_json", "clone_model", "checkpoint" (a ModelCheckpoint given to
    fit), "reload" (load_model), "move", "cast" or "state" (torch: `.to("cuda")`, `.double()`,
    `state_dict()`; `.to(device, dtype)` is a move and a cast), "train", "store" (weights written
    without the config) or "inspect" (variables read)."""
    line: int
    """Line in the analysed program (absolute in the module)."""
    text: str
    """The call as written, shortened."""
    file_format: str = ""
    """"file" (.keras/.h5), "maybe" (not readable from the code) for saves; "savedmodel" or
    "other" (not a model file) for a `.save()` that is a "store"; "" otherwise."""
    path: str = ""
    """The path expression as written ("" when none), to match a save with its reload."""
    expected_to_fail: bool = False
    """Inside an assertRaises/pytest.raises block."""
    covered: frozenset[str] | None = frozenset()
    """Reload: names given in custom_objects or a custom_object_scope; None: not readable
    (assume every class is given)."""
    compiles: bool = True
    """Reload: False with `compile=False` (losses and metrics are not rebuilt)."""
    where: str = ""
    """Another file of the project where this happens ("" for this module)."""
    held: frozenset[str] = frozenset()
    """Keys of the classes and functions the model holds (after resolution)."""
    columns: tuple[int, int, int] = (0, 0, 0)
    """(column, end line, end column) of the call; columns 0-based."""
    cell: int = 0
    """The notebook cell of a use in another project file (`line` is then the line in it)."""
    path_parameter: str = ""
    """`function:parameter` when the saved path is that parameter (its callers decide)."""
    contained: frozenset[str] = frozenset()
    """`held`, and what the held classes construct in their own methods (a torch module's
    submodules move with it; a Keras model's sublayers built in its `__init__` are rebuilt by
    that `__init__`, not serialized, so they are not in `held`)."""
    dtype: str = ""
    """A cast: the dtype it sets where the call names it ("float64" for `.double()`; "" where
    it does not, as in `.to(x.dtype)`: `syntax.torch_moves.cast_dtype`)."""


@dataclass(frozen=True)
class Evidence:
    uses: tuple[Use, ...] = ()
    reloads: tuple[Use, ...] = ()
    constructions: dict[str, tuple[tuple[int, int, int, int], ...]] = field(default_factory=dict)
    """Key -> spans (line, column, end line, end column; absolute, columns 0-based in bytes) of
    the calls that construct it."""
    given: frozenset[str] | None = frozenset()
    """Names given to a `custom_object_scope` anywhere in the module (None: not readable)."""

    def of(self, key: str, kinds: tuple[str, ...] = SERIALIZING) -> list[Use]:
        """Uses of these kinds of a model that holds `key` as a serialized object (torch
        kinds: that holds it anywhere, submodules included)."""
        deep = set(kinds) <= set(TORCH_KINDS)
        return [use for use in self.uses
                if use.kind in kinds and key in (use.contained if deep else use.held)]

    @cached_property
    def weight_fates(self) -> tuple[tuple[str, str], ...]:
        """(kind, key) of every `WEIGHT_KINDS` use: LL202 follows them through the classes
        that hold or derive from a class, so they are part of every class's cache key."""
        return tuple(sorted({(use.kind, key) for use in self.uses if use.kind in WEIGHT_KINDS
                             for key in use.held}))

    @cached_property
    def held_keys(self) -> frozenset[str]:
        """Every key a model of the module holds: its classes, and the functions compiled
        into it (LL207 reports a saved loss function on its definition)."""
        return frozenset(key for use in self.uses for key in use.held)

    def signature(self, keys: set[str] | frozenset[str], offset: int) -> tuple:
        """What the findings about `keys` depend on, lines relative to `offset` (cache key)."""
        if not keys:
            return ()
        relevant = [use for use in self.uses
                    if use.contained & keys and use.kind not in WEIGHT_ONLY]
        uses = tuple((use.kind, use.line - offset, use.text, use.dtype, use.file_format, use.path,
                      use.where, use.expected_to_fail, tuple(sorted(use.held & keys)),
                      tuple(sorted(use.contained & keys))) for use in relevant)
        if not uses:
            return self.weight_fates
        reloads = tuple((use.line - offset, use.path, use.covered, use.compiles, use.where)
                        for use in self.reloads)
        return self.weight_fates + uses + reloads


EMPTY = Evidence()


def elsewhere(use: Use) -> str:
    """`in train.py line 12` / `in train.ipynb cell 3, line 2` for a use in another file."""
    if use.cell:
        return f"in {use.where} cell {use.cell}, line {use.line}"
    return f"in {use.where} line {use.line}"


def use_span(use: Use, offset: int) -> Span:
    """The span of a use of this module, relative to a block starting after line `offset`."""
    column, end_line, end_column = use.columns
    return Span(use.line - offset, column + 1, end_line - offset, end_column + 1)


def same_file(save: Use, reload: Use) -> bool:
    """A reload reads what a save wrote: the same path expression, or the same file name."""
    if not save.path or not reload.path:
        return False
    if save.path == reload.path:
        return True
    def name(path: str) -> str:
        return path.strip("'\"").rsplit("/", 1)[-1]
    return save.path[:1] in "'\"f" and name(save.path) == name(reload.path) and "." in name(save.path)


__all__ = ["EMPTY", "SERIALIZING", "TORCH_KINDS", "WEIGHT_KINDS", "WEIGHT_ONLY", "Evidence", "Use",
           "elsewhere", "same_file", "use_span"]
