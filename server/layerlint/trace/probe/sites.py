"""Which frames are the user's code, and where in their source a frame is.

A layer's call site is the innermost frame outside the frameworks (TensorFlow, Keras, torch,
the standard library, site-packages, the probe itself). Columns come from `co_positions()`,
which counts UTF-8 bytes; they are turned into 1-based character columns like every finding.
"""

from __future__ import annotations

import contextlib
import itertools
import linecache
import os
import site
import sys
import sysconfig
from typing import Any

FRAMEWORK_PACKAGES = ("keras", "tf_keras", "tensorflow", "torch", "jax", "numpy", "optree",
                      "IPython", "ipykernel", "layerlint")

Site = tuple[Any, int, int, int]
"""(code object, instruction offset, line, frame id): cheap to take on the hot path."""


_ROOTS: dict[tuple[str, ...], tuple[str, ...]] = {}
_VERDICTS: dict[tuple[str | None, tuple[str, ...]], dict[str, bool]] = {}
"""Caches shared by every trace in this process: a warm kernel pays the path lookups once."""


def framework_roots() -> tuple[str, ...]:
    """Folders whose files are never the user's: stdlib, site-packages, framework packages."""
    loaded = tuple(name for name in FRAMEWORK_PACKAGES if name in sys.modules)
    roots = _ROOTS.get(loaded)
    if roots is None:
        roots = _ROOTS[loaded] = _find_framework_roots()
    return roots


def _find_framework_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    with contextlib.suppress(AttributeError):
        roots.update(site.getsitepackages())
    for name in FRAMEWORK_PACKAGES:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file:
            roots.add(os.path.dirname(file))
    return tuple(os.path.realpath(root) + os.sep for root in roots if root)


class UserFrames:
    """Decides, with a per-file cache, which frames belong to the user's code."""

    def __init__(self, user_file: str | None, boundary: set[Any]) -> None:
        self.user_file = os.path.realpath(user_file) if user_file else None
        self.boundary = boundary
        """Code objects where the search stops: the probe's own call of the model."""
        self._roots = framework_roots()
        self._verdicts = _VERDICTS.setdefault((self.user_file, self._roots), {})

    def is_user_file(self, filename: str) -> bool:
        verdict = self._verdicts.get(filename)
        if verdict is None:
            verdict = self._verdicts[filename] = self._judge(filename)
        return verdict

    def _judge(self, filename: str) -> bool:
        if filename.startswith("<"):  # <frozen ...>, <string>, and the probe sent as text
            return filename.startswith("<ipython-input")
        path = os.path.realpath(filename)
        if path == self.user_file:
            return True
        return not any(path.startswith(root) for root in self._roots)

    def find_site(self, frame: Any, stop: Any = None) -> Site | None:
        """The innermost user frame from `frame` outwards, up to (excluding) `stop` (hot path:
        keep it cheap)."""
        verdicts = self._verdicts
        boundary = self.boundary
        while frame is not None and frame is not stop:
            code = frame.f_code
            if code in boundary:
                return None
            verdict = verdicts.get(code.co_filename)
            if verdict is None:
                verdict = self.is_user_file(code.co_filename)
            if verdict:
                return (code, frame.f_lasti, frame.f_lineno, id(frame))
            frame = frame.f_back
        return None

    def traceback_sites(self, error: BaseException) -> list[tuple[dict[str, Any], str]]:
        """The traceback's user frames, outermost first, as (site JSON, traceback text)."""
        frames = []
        tb = error.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code not in self.boundary and self.is_user_file(code.co_filename):
                site_json = describe_known_site((code, tb.tb_lasti, tb.tb_lineno, 0), "call")
                text = f'  File "{site_json["path"]}", line {site_json["line"]}, in ' \
                       f"{code.co_name}\n"
                if site_json["code"]:
                    text += f"    {site_json['code']}\n"
                frames.append((site_json, text))
            tb = tb.tb_next
        return frames


_DESCRIBED: dict[tuple[int, int, str], tuple[Any, dict[str, Any]]] = {}
"""(id of the code, instruction offset, source line) -> (code, site JSON without its kind): a
warm kernel tracing the same model again, or a layer called in a loop, pays the position
lookup once. The code object is kept beside its JSON so that its id cannot be reused."""
_DESCRIBED_LIMIT = 20_000


def describe_site(site_: Site | None, kind: str) -> dict[str, Any] | None:
    """The JSON form of a site (`SourceSite` on the server side)."""
    return None if site_ is None else describe_known_site(site_, kind)


def describe_known_site(site_: Site, kind: str) -> dict[str, Any]:
    code, lasti, lineno, _ = site_
    key = (id(code), lasti, linecache.getline(code.co_filename, lineno))
    cached = _DESCRIBED.get(key)
    if cached is None or cached[0] is not code:
        if len(_DESCRIBED) >= _DESCRIBED_LIMIT:
            _DESCRIBED.clear()
        cached = _DESCRIBED[key] = (code, _describe(code, lasti, lineno))
    return {**cached[1], "kind": kind}


def _describe(code: Any, lasti: int, lineno: int) -> dict[str, Any]:
    path = code.co_filename
    line, end_line, column, end_column = lineno, None, None, None
    positions = getattr(code, "co_positions", None)  # Python 3.11+
    if positions is not None and lasti >= 0:
        position = next(itertools.islice(positions(), lasti // 2, None), None)
        if position is not None and position[0] is not None:
            line, end_line, column, end_column = position
    text = linecache.getline(path, line)
    end_text = linecache.getline(path, end_line) if end_line else ""
    return {"path": path, "line": line, "column": to_characters(text, column),
            "end_line": end_line, "end_column": to_characters(end_text, end_column),
            "code": text.strip()}


def to_characters(text: str, byte_offset: int | None) -> int | None:
    """A 0-based UTF-8 byte offset in `text` as a 1-based character column."""
    if byte_offset is None:
        return None
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1
