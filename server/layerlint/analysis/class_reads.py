"""Which of its module's classes a block's rules read, so its cached findings go stale only
when one of those classes changes.

A block's findings depend on the other classes of its module in two ways: through what the
module context says about them by name (that they are classes, their frameworks: cheap, part of
the engine's cache key) and through their models (`ClassModel`: attributes, bases, methods,
nodes), which every rule fetches from `context.classes` / `facts.local_classes`. While a block
is analysed those two names are one `ReadClasses` mapping that records every name whose model
it hands out (`get`, `[]`) and whether the whole mapping was read (`items`, `values`). The
recorded names with their classes' current texts are the block's trace (`trace`); a cached
entry is reused when each traced class still has the text it had (`still_valid`): the rules,
given the same inputs, read the same models and find the same things. A key keeps the entries
of its last few traces (`reusable`, `kept`): a class read by the block may go back to an
earlier text (an undo, a half-typed state and back).

So the class that uses the class being typed (`self.blocks = [ResidualUnit(64), ...]`) keeps
its findings while the typed class changes, unless its rules read that class's model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerlint.analysis.class_resolution import ModuleContext

_EVERY_CLASS = "*"
"""The trace's name for `items()`/`values()`: every class of the module was read."""

Trace = tuple[tuple[str, object], ...]


class ReadClasses(dict):
    """`context.classes` as one block's rules see it; `read` and `read_all` say what they
    fetched. Membership (`in`) and key iteration hand out no model and are not recorded: the
    engine's key holds the names of the classes the block depends on."""

    __slots__ = ("read", "read_all")

    def __init__(self, classes: dict) -> None:
        super().__init__(classes)
        self.read: set[str] = set()
        self.read_all = False

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def items(self):
        self.read_all = True
        return super().items()

    def values(self):
        self.read_all = True
        return super().values()


@contextmanager
def recording(context: ModuleContext) -> Iterator[ReadClasses]:
    """Inside the `with` block, `context.classes` records what is read of it."""
    classes = context.classes
    read = context.classes = ReadClasses(classes)
    try:
        yield read
    finally:
        context.classes = classes


_VARIANTS = 4
"""Entries kept per key, the most recently used first."""


def reusable(entries: list | None, context: ModuleContext):
    """The first of a key's entries (each a tuple whose first item is its trace) that is still
    valid, moved to the front; None when none is."""
    for index, entry in enumerate(entries or ()):
        if still_valid(entry[0], context):
            if index:
                entries.insert(0, entries.pop(index))  # type: ignore[union-attr]
            return entry
    return None


def kept(entries: list | None, entry: tuple) -> list:
    """A key's entries with `entry` first (a new list when the key had none)."""
    if entries is None:
        return [entry]
    entries.insert(0, entry)
    del entries[_VARIANTS:]
    return entries


def trace(read: ReadClasses, context: ModuleContext) -> Trace:
    """What the rules read, with each class's current state (`_state`)."""
    names = sorted(name for name in read.read if isinstance(name, str))
    recorded = tuple((name, _state(name, context)) for name in names)
    if read.read_all:
        recorded += ((_EVERY_CLASS, _every_state(context)),)
    return recorded


def still_valid(recorded: Trace, context: ModuleContext) -> bool:
    """Each class in the trace is as it was when the trace was taken."""
    for name, state in recorded:
        current = _every_state(context) if name == _EVERY_CLASS else _state(name, context)
        if current != state:
            return False
    return True


def _state(name: str, context: ModuleContext) -> object:
    """A local class's block text (its model is built from that text, the imports and the
    class names, all in the engine's key); a workspace class's model, by identity; None for a
    name that is no class."""
    block = context.class_blocks.get(name)
    if block is not None:
        return block.text
    return _Identity(context.classes.get(name))


def _every_state(context: ModuleContext) -> tuple:
    return tuple((name, _state(name, context)) for name in dict.keys(context.classes))


class _Identity:
    """Compares the object it holds by identity (a workspace class's model, or None)."""

    __slots__ = ("held",)

    def __init__(self, held: object) -> None:
        self.held = held

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.held is self.held

    def __hash__(self) -> int:
        return id(self.held)


__all__ = ["ReadClasses", "Trace", "kept", "recording", "reusable", "still_valid", "trace"]
