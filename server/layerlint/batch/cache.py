"""`layerlint check`'s cache of findings, like ruff's: a file whose content, settings and
workspace dependencies are unchanged is not analysed again.

Where: `--cache-dir`, else `$LAYERLINT_CACHE_DIR`, else the `cache-dir` setting (relative to
its pyproject.toml), else `.layerlint_cache/` beside the pyproject.toml nearest to the current
folder (the current folder when there is none). The folder gets its own `.gitignore` (`*`).

What: one JSON file per cache generation, named by a hash of layerlint's version, the Python
version and the content of layerlint's own code and layer catalog; a generation change leaves
older files behind, which the next write removes. Hashing that code costs more than the rest of
a warm run's cache reading, so the folder also keeps an empty marker per state of the code files
seen (`code-<stamp>-<generation>`, the stamp a hash of each code file's size, times and inode):
while the stamp is unchanged the generation is not computed again.

Each entry (per resolved file path) keeps the hash of the file's content, a key of its effective
settings (Keras version included), the workspace files its analysis consulted (base classes
resolved across files) with their content hashes, and the records. An entry is used only when
all of them still match. An entry also keeps the file's size, modification and change times and
inode when the file had been unchanged for two seconds before it was read: while they stay the
same, the file is not read and hashed again (git's index and mypy's cache do the same; a change
of content always moves the change time, which no program can set back).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from layerlint import __version__
from layerlint.config import Settings

try:  # hashlib's blake2b, without loading hashlib's OpenSSL bindings (3 ms at every start)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without CPython's module
    from hashlib import blake2b

CACHE_DIR_NAME = ".layerlint_cache"
_GITIGNORE = "# Created by layerlint: this folder is a cache.\n*\n"
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# Created by layerlint.\n"
_SETTLED_NS = 2_000_000_000
"""A file unchanged this long before a run began is read again only when its times change."""
_NOT_ANALYSIS = {"exclude", "extend_exclude", "cache_dir", "fail_on"}


def content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


@cache
def generation() -> str:
    """Changes with layerlint's version, Python's, and any change to layerlint's code or
    catalog (so a development checkout never reads results of older code)."""
    digest = blake2b(digest_size=12)
    digest.update(f"{__version__}|{sys.version}".encode())
    for relative, path in _code_files():
        digest.update(relative.encode())
        with open(path, "rb") as code:
            digest.update(code.read())
    return digest.hexdigest()


def _code_files() -> list[tuple[str, str]]:
    """(path relative to the package, `/`-separated; path) of layerlint's .py and .json files,
    outside `__pycache__`, in `sorted(Path.rglob)` order."""
    package = str(Path(__file__).resolve().parents[1])
    found: list[tuple[str, str]] = []
    for folder, folders, names in os.walk(package):
        folders[:] = [name for name in folders if name != "__pycache__"]
        relative = os.path.relpath(folder, package).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found.extend((prefix + name, os.path.join(folder, name)) for name in names
                     if os.path.splitext(name)[1] in (".py", ".json"))
    found.sort(key=lambda item: item[0].split("/"))
    return found


def code_stamp(started: int) -> tuple[str, bool]:
    """A hash of layerlint's version, Python's and the size, times and inode of each of
    layerlint's code files, and whether every file had settled before `started` (see
    `CheckCache._settled`): only then may the stamp stand for the code's content."""
    digest = blake2b(digest_size=12)
    digest.update(f"{__version__}|{sys.version}".encode())
    settled = True
    for relative, path in _code_files():
        info = os.stat(path)
        digest.update(f"{relative}|{_signature(info)}".encode())
        settled = settled and max(info.st_mtime_ns, info.st_ctime_ns) < started - _SETTLED_NS
    return digest.hexdigest(), settled


def settings_key(settings: Settings) -> str:
    """The settings that change findings, with the Keras version the analysis will assume."""
    values = {k: v for k, v in asdict(settings).items() if k not in _NOT_ANALYSIS}
    values["keras_version"] = settings.keras_version or _installed_keras()
    return content_hash(json.dumps(values, sort_keys=True, default=str).encode())


@cache
def _installed_keras() -> str | None:
    """What `analysis.environment.keras_version()` answers (`importlib.metadata`), read
    without importing the analysis or `importlib.metadata` (with the `email` package it parses
    headers with, a third of a warm run's imports) where the answer is plain: the one
    `keras-*.dist-info` in the first folder of `sys.path` that has one, as importlib.metadata
    finds it. Anything less plain (a zip on the path, an egg, two of them in one folder, no
    Version header) is asked of importlib.metadata."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except OSError:
            if os.path.exists(folder):  # a zip or egg file: importlib.metadata reads those
                return _metadata_version("keras")
            continue
        found = [name for name in names
                 if name.lower().endswith((".dist-info", ".egg-info"))
                 and _normalized(name.lower().rpartition(".")[0].partition("-")[0]) == "keras"]
        if not found:
            continue
        if len(found) == 1 and found[0].lower().endswith(".dist-info"):
            version = _version_header(os.path.join(folder, found[0], "METADATA"))
            if version is not None:
                return version
        return _metadata_version("keras")
    return None


def _normalized(name: str) -> str:
    """A distribution name as importlib.metadata compares them (`Prepared.normalize`)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _version_header(metadata_file: str) -> str | None:
    try:
        with open(metadata_file, encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    return None  # the headers ended without one
                name, colon, value = line.partition(":")
                if colon and name.lower() == "version":
                    return value.strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _metadata_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


class CheckCache:
    """Entries of one cache generation; `save()` writes them back atomically."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._started = time.time_ns()
        self._stamp, settled = code_stamp(self._started)
        remembered = self._remembered_generation()
        self.generation = remembered or generation()
        self._new_marker = remembered is None and settled
        self.file = folder / f"check-{self.generation}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self._hashes: dict[str, str | None] = {}
        self._signatures: dict[str, list[int] | None] = {}
        self._real_paths: dict[str, str] = {}
        self._dirty = False
        try:
            loaded = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            pass

    def _remembered_generation(self) -> str | None:
        prefix = f"code-{self._stamp}-"
        try:
            names = os.listdir(self.folder)
        except OSError:
            return None
        return next((name[len(prefix):] for name in names if name.startswith(prefix)), None)

    def remember_hash(self, path: str, digest: str) -> None:
        self._hashes[path] = digest

    def read(self, path: Path, real: str) -> tuple[str, bytes | None]:
        """The content hash of the file `path` (real path `real`), and its bytes where they
        had to be read: not when the file's size, times and inode are those its entry
        recorded, as git's index and mypy's cache do (a read error is `path.read_bytes()`'s)."""
        try:
            info: os.stat_result | None = os.stat(real)
        except OSError:
            info = None
        signature = _signature(info) if info is not None else None
        entry = self.entries.get(real)
        if signature is not None and entry is not None and entry.get("stat") == signature:
            digest, data = entry["content"], None
        else:
            data = path.read_bytes()
            digest = content_hash(data)
            if info is not None and self._settled(info):
                self._signatures[real] = signature
                if entry is not None and entry.get("content") == digest:
                    entry["stat"] = signature  # touched, same content: no read next time
                    self._dirty = True
        self._hashes[real] = digest
        return digest, data

    def _settled(self, info: os.stat_result) -> bool:
        """Whether the file was last changed well before this run began, so that a change
        after it was read gives it another change time (the racily clean files of git: the
        clock of file times is coarse, a change in the same tick would look like none)."""
        return max(info.st_mtime_ns, info.st_ctime_ns) < self._started - _SETTLED_NS

    def _hash_of(self, path: str) -> str | None:
        if path not in self._hashes:
            try:
                self._hashes[path] = content_hash(Path(path).read_bytes())
            except OSError:
                self._hashes[path] = None
        return self._hashes[path]

    def lookup(self, path: str, digest: str, settings: str) -> list[dict[str, Any]] | None:
        """The cached records of `path` (resolved) if still valid, else None."""
        entry = self.entries.get(path)
        if not entry or entry.get("content") != digest or entry.get("settings") != settings:
            return None
        for dependency, expected in entry.get("dependencies", {}).items():
            if self._hash_of(dependency) != expected:
                return None
        return entry["records"]

    def store(self, path: str, digest: str, settings: str, dependencies: list[str],
              records: list[dict[str, Any]]) -> None:
        resolved = {self._real_path(d) for d in dependencies}
        self.entries[path] = {
            "content": digest,
            "settings": settings,
            "dependencies": {d: self._hash_of(d) for d in sorted(resolved)},
            "records": records,
        }
        signature = self._signatures.get(path)
        if signature is not None:
            self.entries[path]["stat"] = signature
        self._dirty = True

    def _real_path(self, path: str) -> str:
        """`str(Path(path).resolve())`, once per path and run: the files checked import the
        same few base modules (on keras-hub, 1,887 dependencies of 816 files resolved one
        folder at a time cost the parent 0.07 s while the workers ran)."""
        real = self._real_paths.get(path)
        if real is None:
            real = self._real_paths[path] = str(Path(path).resolve())
        return real

    def save(self) -> None:
        if self._dirty:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
                marker = self.folder / name
                if not marker.exists():
                    marker.write_text(text, encoding="utf-8")
            temporary = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.entries, separators=(",", ":")),
                                 encoding="utf-8")
            os.replace(temporary, self.file)
            for stale in self.folder.glob("check-*.json"):
                if stale != self.file:
                    stale.unlink(missing_ok=True)
        if self._new_marker and self.file.exists():
            (self.folder / f"code-{self._stamp}-{self.generation}").touch()
            for stale in self.folder.glob("code-*"):  # markers of generations gone
                if not stale.name.endswith(f"-{self.generation}"):
                    stale.unlink(missing_ok=True)


def _signature(info: os.stat_result) -> list[int]:
    """What changes when a file's content does (a list: JSON keeps it as it is)."""
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def cache_folder(cli_value: str | None, settings: Settings, settings_base: Path) -> Path:
    if cli_value:
        return Path(cli_value)
    if os.environ.get("LAYERLINT_CACHE_DIR"):
        return Path(os.environ["LAYERLINT_CACHE_DIR"])
    if settings.cache_dir:
        return settings_base / settings.cache_dir
    return settings_base / CACHE_DIR_NAME
