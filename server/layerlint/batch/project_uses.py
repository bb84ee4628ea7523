"""What other project files do with a checked file's classes, read the way `layerlint check`
needs it: only the files that can hold such a use are analysed.

The server keeps an index of the whole project (`analysis.project_evidence`): every file that
saves, reloads or moves a model is analysed, so that any file being typed finds the uses of its
classes at once. A check of a large tree paid for that index before its first result: every
such file analysed in the parent process, before the workers started. Here the uses of file
`T`'s classes are looked up when `T` is checked, in the worker that checks it, and a project
file is analysed only when its text holds one of `T`'s model class names as a word.

That filter loses nothing: a use counts for `T` only when the model it saves holds a key
`module.Name` (an imported name, qualified through the import table) with `Name` one of `T`'s
classes, and such a key is always spelled in the file that holds the use, in an import
(`from .blocks import Block as B`) or an attribute (`blocks.Block`). The same goes for the last
part of `module`, which `workspace.module_file` turns into `T`'s file name (`blocks` for
`blocks.py`, the folder's name for a package's `__init__.py`): a file that does not spell it
(compared without case, as a case-insensitive file system matches it) is not read either. A
file that is not plain ASCII is filtered by its text in NFKC normal form (the form Python
reads identifiers in); a file that is not a `.py` file is never filtered out. Nor is a file
that never writes a call of `T`'s classes (the class name before the call's parenthesis, with
only spaces, comments, line continuations or closing parentheses between, or imported under
another name) parsed: see `_may_call`.

A file that passes those text filters is parsed (block by block, as its own check parses it, so
the parses are shared) and its calls are read before its save evidence: a key `module.Name` is
only ever made from a call in that file (`Name(...)`, `B(...)`, `blocks.Head(...)`) whose callee
the file's imports qualify as `module.Name`, so a file none of whose calls resolves to `T` holds
no use of `T`'s classes. The uses found are the ones the index holds for `T`, in the same order.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from layerlint.analysis import keras_target, project_evidence
from layerlint.analysis.imports import collect_imports, qualified_name
from layerlint.analysis.model_uses import Use
from layerlint.analysis.project_evidence import file_evidence, project_files, project_root
from layerlint.analysis.source import split_blocks
from layerlint.analysis.walk import breadth_first
from layerlint.analysis.workspace import module_file, shared_parses, stats_once

_WORD = re.compile(r"\w+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""In ASCII text, every `\\w+` word that is a name (faster than `_WORD`: numbers are skipped)."""
_words: dict[tuple[str, int, int], frozenset[str]] = {}
_lowered: dict[tuple[str, int, int], frozenset[str]] = {}


def uses_targeting(target: Path, class_names: frozenset[str]) -> Iterable[tuple[Use, Path]]:
    """(use, file it happens in) for every use in another file of `target`'s project whose model
    holds one of `class_names` imported from `target` (resolved): `project_evidence.
    _project_index(root)[target]` without the files that cannot contribute (a use holding
    only other names of `target` may be left out or not: `uses_elsewhere` drops those)."""
    found: list[tuple[Use, Path]] = []
    module = target.parent.name if target.name == "__init__.py" else target.stem
    module = module.lower() if module.isascii() else ""
    for other in project_files(project_root(target)):
        if other == target:
            continue  # its own uses are the module's evidence
        spelled = _file_words(other)
        if spelled is not None and (spelled.isdisjoint(class_names)
                                    or (module and module not in spelled
                                        and module not in _lower_words(other, spelled))
                                    or not _may_call(other, class_names)):
            continue
        called = _called_files(other)
        if called is not None and target not in called:
            continue
        for use in file_evidence(other).uses:
            if any("." in key and module_file(key.rpartition(".")[0], other) == target
                   for key in use.contained):
                found.append((use, other))
    return found


_texts: dict[tuple[str, int, int], str] = {}
_CALL_OR_ALIAS = re.compile(r"(?:[\s\\)]|#[^\n]*\n)*\(|(?:[\s\\]|#[^\n]*\n)+as\b")
"""What follows a name written as a call's callee (`Name(`, `(Name)(`, with spaces, comments
and line continuations between) or imported under another name (`Name as B`)."""


def _may_call(path: Path, class_names: frozenset[str]) -> bool:
    """Whether the text of a filtered `.py` file (`_file_words` read it) may call one of
    `class_names` through its imports, as a key `module.Name` needs: the name written before
    the call's `(` (`Name(`, `blocks.Name(`), or imported under another name (`Name as B`,
    then `B(...)`). A superset of the files whose calls resolve to one of them, found without
    a parse."""
    text = _texts.get(_python_file_stamp(path))  # type: ignore[arg-type]
    if text is None:
        return True
    for name in class_names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            # A whole word (`\b` on both sides), then a call's parenthesis or `as`.
            if (start == 0 or not _word_character(text[start - 1])) \
                    and (end == len(text) or not _word_character(text[end])) \
                    and _CALL_OR_ALIAS.match(text, end) is not None:
                return True
            start = text.find(name, end)
    return False


def _word_character(character: str) -> bool:
    """What a word character of a `str` pattern is (`\\w`)."""
    return character.isalnum() or character == "_"


_run_stamps: dict[Path, tuple[str, int, int] | None] | None = None
"""Inside `read_lazily` (one check), each file's stamp as first seen in this process: a check
reads a snapshot of the tree, and each target asks about every project file (816 targets x
816 files on keras-hub: the `stat` calls cost more than the filters)."""


def _python_file_stamp(path: Path) -> tuple[str, int, int] | None:
    """(path, modification time, size) of a `.py` file, the key of what is read from it; None
    for other files and files that cannot be stat'ed (those are not filtered)."""
    stamps = _run_stamps
    if stamps is not None and path in stamps:
        return stamps[path]
    stamp: tuple[str, int, int] | None = None
    if path.suffix == ".py":
        try:
            stat = path.stat()
        except OSError:
            pass
        else:
            stamp = (str(path), stat.st_mtime_ns, stat.st_size)
    if stamps is not None:
        stamps[path] = stamp
    return stamp


def _lower_words(path: Path, spelled: frozenset[str]) -> frozenset[str]:
    """`_file_words(path)` in lower case, made when first asked (a module name is mostly
    written as it is spelled: `module in spelled` answers first)."""
    key = _python_file_stamp(path)
    found = _lowered.get(key)  # type: ignore[arg-type]
    if found is None:
        found = frozenset(word.lower() for word in spelled)
        if key is not None:
            _lowered[key] = found
    return found


def _file_words(path: Path) -> frozenset[str] | None:
    """The names written in a `.py` file that may hold a use (empty when it mentions no save,
    reload or move: `file_evidence` reads nothing there); None when the file cannot be
    filtered."""
    key = _python_file_stamp(path)
    if key is None:
        return None
    if key in _words:
        return _words[key]
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    words: frozenset[str]
    if not project_evidence.mentions_a_use(text):
        words = frozenset()
    else:
        if not text.isascii():
            # Python reads each name in its NFKC normal form (`ﬁt` is `fit`), and no name
            # changes its neighbours' normal form: the normal text spells every name parsed.
            text = unicodedata.normalize("NFKC", text)
        words = frozenset((_IDENTIFIER if text.isascii() else _WORD).findall(text))
        _texts[key] = text
    _words[key] = words
    return words


_calls: dict[tuple[str, int, int], frozenset[str] | None] = {}


def _called_modules(path: Path) -> frozenset[str] | None:
    """The modules of the imported names a `.py` file calls (`.blocks` for `B(...)` after
    `from .blocks import Block as B`, and for `blocks.Head(...)` after `from . import blocks`),
    qualified through its imports as its save evidence qualifies them; None when the file is
    not read this way (not `.py`, unreadable, or its parse fails: its evidence is read)."""
    key = _python_file_stamp(path)
    if key is None:
        return None
    if key in _calls:
        return _calls[key]
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        blocks = split_blocks(text)
        trees = [block.tree for block in blocks if block.tree is not None]
        if len(trees) != len(blocks):
            trees = [ast.parse(text)]
        imports = collect_imports([statement for tree in trees for statement in tree.body])
        called: set[str] = set()
        for tree in trees:
            for node in breadth_first(tree):  # ast.walk's nodes, without its generators
                if type(node) is not ast.Call:  # the parser makes no subclasses
                    continue
                head = node.func
                while isinstance(head, ast.Attribute):
                    head = head.value
                if not (isinstance(head, ast.Name) and head.id in imports):
                    continue  # not an imported name: its key, if any, has no module
                name = qualified_name(node.func, imports)
                if name is not None and "." in name:
                    module, _, last = name.rpartition(".")
                    if last[:1].isupper():  # a key names a class
                        called.add(module)
        found: frozenset[str] | None = frozenset(called)
    except (OSError, SyntaxError, ValueError, RecursionError):
        found = None
    _calls[key] = found
    return found


_targets: dict[tuple[str, int, int], frozenset[Path | None] | None] = {}


def _called_files(path: Path) -> frozenset[Path | None] | None:
    """The workspace files the modules of `_called_modules(path)` resolve to (None where a
    module is no workspace file), the same for every target asking; None when not filtered."""
    key = _python_file_stamp(path)
    if key is not None and key in _targets:
        return _targets[key]
    called = _called_modules(path)
    found = None if called is None else frozenset(module_file(name, path) for name in called)
    if key is not None:
        _targets[key] = found
    return found


@contextmanager
def read_lazily() -> Iterator[None]:
    """Inside the `with` block, `project_evidence.uses_elsewhere` looks uses up this way,
    imported files' classes are read from block parses shared with those files' own checks
    (`workspace.shared_parses`), the files that module names may refer to are stat'ed once
    (`workspace.stats_once`), and each folder's dependency pins are read once
    (`keras_target.read_once`), in this process and the worker processes it forks."""
    global _run_stamps
    previous = project_evidence.find_uses_with(uses_targeting)
    previous_stamps, _run_stamps = _run_stamps, {}
    try:
        with shared_parses(), stats_once(), keras_target.read_once():
            yield
    finally:
        project_evidence.find_uses_with(previous)
        _run_stamps = previous_stamps


__all__ = ["read_lazily", "uses_targeting"]
