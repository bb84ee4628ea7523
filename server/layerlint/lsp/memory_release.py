"""Memory the server's process holds without using it: what importing the protocol library
leaves behind, and heap pages freed by the analysis but not returned to the system.

lsprotocol defines ~1,000 attrs classes. For each one, attrs compiles the generated methods
(`__init__`, `__eq__`, `__repr__`...) with a globals dict of their own that is a copy of
`lsprotocol.types`' module namespace as it stood when the class was made (so that
`typing.get_type_hints(cls.__init__)` can resolve string annotations), and keeps the generated
source text in `linecache` (for debuggers). In the server that is ~5.5 MiB of namespace copies
(557 dicts of up to 1,000 names) and ~1.5 MiB of source lines: a fifth of its memory at start.
`release_import_leftovers()` shrinks each of those dicts to the names its methods read (every
function compiled with that dict is found first, so none loses a name it looks up), drops the
`linecache` entries of attrs- and cattrs-generated code, and returns the freed pages.

CPython's allocator returns whole free arenas, glibc's `malloc` keeps freed pages of its heap
until `malloc_trim` asks for them back: `return_free_pages()` does (3-4 MiB on the 10,000-line
benchmark file). It costs 0.1-0.5 ms, and the pages it gives back fault in again when the next
analysis allocates (measured: the edit after a trim took 0.2-0.6 ms longer), so the server
calls it after a document's first analysis and then once the documents were left alone for
`TRIM_AFTER_QUIET_SECONDS` after a publish (`after_publish`), never between two quick keys.
Without a running event loop (a caller outside the server) it trims every `TRIM_EVERY`
publishes instead. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import asyncio
import gc
import linecache
import sys
import types
from collections.abc import Callable

_GENERATED_PREFIXES = ("<attrs generated", "<cattrs generated")
_PROTOCOL_MODULES = ("lsprotocol", "pygls", "cattrs")
TRIM_EVERY = 32
TRIM_AFTER_QUIET_SECONDS = 0.3
_trim: list[Callable[[int], int] | None] = []
_publishes = [0]
_last_publish = [0.0]
"""When the latest publish was written (the event loop's clock)."""
_waiting: list[asyncio.AbstractEventLoop] = []
"""The loop whose timer will trim once the documents are quiet (empty: none set)."""


def release_import_leftovers() -> int:
    """Shrink the attrs-generated methods' namespace copies of the protocol classes and drop
    generated sources from `linecache`; returns how many namespaces were shrunk."""
    copies = _generated_namespaces()
    if copies:
        needed: dict[int, set[str]] = {key: {"__builtins__"} for key in copies}
        # Every function compiled with one of those dicts, wherever it is kept.
        for item in gc.get_objects():
            if type(item) is types.FunctionType and id(item.__globals__) in needed:
                needed[id(item.__globals__)].update(_global_names(item.__code__))
        for key, namespace in copies.items():
            kept = {name: namespace[name] for name in needed[key] if name in namespace}
            namespace.clear()  # frees the table: a smaller one is made for what is kept
            namespace.update(kept)
    drop_generated_sources()
    return_free_pages()
    return len(copies)


def drop_generated_sources() -> None:
    """Forget the source text of attrs- and cattrs-generated code kept for debuggers."""
    for name in [name for name in linecache.cache if name.startswith(_GENERATED_PREFIXES)]:
        del linecache.cache[name]


def after_publish() -> None:
    """An edit's diagnostics were written: forget what the analysis cached for block texts
    that left the documents (`document_memory.forget_retired`: a scan of its caches, out of
    the edit-to-diagnostics time), and return the free pages once no edit came for
    `TRIM_AFTER_QUIET_SECONDS` (a timer that, when it fires early, waits for the rest)."""
    from layerlint.analysis import document_memory  # loaded by the analysis already

    document_memory.forget_retired()
    _publishes[0] += 1
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        if _publishes[0] % TRIM_EVERY == 0:
            return_free_pages()
        return
    _last_publish[0] = loop.time()
    if _waiting and _waiting[0] is not loop:  # a timer of an earlier loop, which never fires
        _waiting.clear()
    if not _waiting:
        _waiting.append(loop)
        loop.call_later(TRIM_AFTER_QUIET_SECONDS, _trim_when_quiet, loop)


def _trim_when_quiet(loop: asyncio.AbstractEventLoop) -> None:
    if not _waiting or _waiting[0] is not loop:
        return  # a timer another loop's publish replaced
    left = _last_publish[0] + TRIM_AFTER_QUIET_SECONDS - loop.time()
    if left > 0:
        loop.call_later(left, _trim_when_quiet, loop)
        return
    _waiting.clear()
    return_free_pages()


def return_free_pages() -> None:
    """Give the heap's free pages back to the system (glibc's `malloc_trim`)."""
    if not _trim:
        _trim.append(_load_trim())
    trim = _trim[0]
    if trim is not None:
        trim(0)


def _load_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # glibc only (musl has none: AttributeError)
    except (OSError, AttributeError):
        return None


def _generated_namespaces() -> dict[int, dict[str, object]]:
    """The namespaces of attrs-generated methods of the protocol modules' classes that are
    not their module's own dict, by identity."""
    found: dict[int, dict[str, object]] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(_PROTOCOL_MODULES):
            continue
        module_namespace = vars(module)
        for value in list(module_namespace.values()):
            if not isinstance(value, type) or "__attrs_attrs__" not in vars(value):
                continue
            for member in vars(value).values():
                if (type(member) is types.FunctionType
                        and member.__code__.co_filename.startswith(_GENERATED_PREFIXES)
                        and member.__globals__ is not module_namespace):
                    found[id(member.__globals__)] = member.__globals__
    return found


def _global_names(code: types.CodeType) -> set[str]:
    """Every name `code` and the code nested in it may look up in its globals."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names


__all__ = ["after_publish", "drop_generated_sources", "release_import_leftovers", "return_free_pages"]
