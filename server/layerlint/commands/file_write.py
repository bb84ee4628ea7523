"""Writing a fixed file for `layerlint check --fix`: never unparseable, never over newer edits,
never half-written.

`write_fixed_source(path, original, fixed)` replaces the text `original` (as it was read, with
universal newlines) by `fixed`, and refuses, leaving the file untouched, when
- `fixed` does not parse as Python (a fix must never break a file), or
- the file no longer holds `original` (it changed on disk since the fixes were computed, so
  their positions are stale).
Otherwise it writes a temporary file beside the target, gives it the target's permission bits,
flushes it to disk and renames it over the target, so a reader (or a crash) sees either the
old text or the new one. The file's line endings (CRLF or LF) and a UTF-8 BOM are kept; a
symbolic link is followed, so the link stays a link.
"""

from __future__ import annotations

import ast
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

BOM = "\ufeff"


class FixNotWritten(Exception):
    """Why the fixed text was not written; the file is unchanged."""


def write_fixed_source(
    path: Path, original: str, fixed: str, report: Callable[[str], None] | None = None
) -> bool:
    """Write `fixed` over `path` if it is safe (see the module docstring); otherwise report why
    (on stderr by default) and return False."""
    try:
        replace_file_text(path, original, fixed)
    except FixNotWritten as refusal:
        (report or _to_stderr)(f"layerlint: {path}: fixes not written: {refusal}")
        return False
    return True


def replace_file_text(path: Path, original: str, fixed: str) -> None:
    """The checks and the atomic write; raises `FixNotWritten`."""
    problem = parse_problem(fixed)
    if problem is not None:
        raise FixNotWritten(f"the fixed code would not parse ({problem})")
    target = path.resolve() if path.is_symlink() else path
    try:
        raw = target.read_bytes()
        current = _universal_newlines(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise FixNotWritten(f"cannot read it again: {error}") from error
    if current != original:
        raise FixNotWritten("it changed on disk since it was checked; run the fix again")
    data = fixed.replace("\n", _newline_of(raw)).encode("utf-8")
    try:
        _atomic_write(target, data)
    except OSError as error:
        raise FixNotWritten(f"cannot write it: {error}") from error


def parse_problem(text: str) -> str | None:
    """None when `text` parses as Python; else the parser's message with its line."""
    try:
        ast.parse(text.removeprefix(BOM))
    except SyntaxError as error:
        return f"{error.msg}, line {error.lineno}"
    except (ValueError, MemoryError, RecursionError) as error:  # NUL bytes, absurd nesting
        return str(error) or type(error).__name__
    return None


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _newline_of(raw: bytes) -> str:
    """The file's line ending: that of its first line break (LF when it has none)."""
    index = raw.find(b"\n")
    lone_cr = raw.find(b"\r")
    if index < 0:
        return "\r" if lone_cr >= 0 else "\n"
    if index > 0 and raw[index - 1:index] == b"\r":
        return "\r\n"
    return "\r" if 0 <= lone_cr < index else "\n"


def _atomic_write(target: Path, data: bytes) -> None:
    mode = stat.S_IMODE(target.stat().st_mode)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".layerlint-fix")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)
