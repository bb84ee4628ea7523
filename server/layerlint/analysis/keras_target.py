"""Which Keras a module's code targets: Keras 2 (tf.keras up to TensorFlow 2.15, or tf-keras),
Keras 3, or unknown, with the evidence that says so. Nothing is run or imported.

Evidence, strongest first (the first kind that decides wins; weaker evidence that disagrees is
kept as `overruled`, so hover and JSON can show it):
1. `override`: the `keras-version` setting or `--keras-version`. The user knows best.
2. `legacy-switch`: `TF_USE_LEGACY_KERAS=1` set in the module or notebook (`os.environ[...]`,
   `%env`). It is the runtime switch that makes `tf.keras` the Keras 2 of tf-keras whatever is
   installed, so it outranks what is installed.
3. `installed`: the Keras (or, without one, the TensorFlow) installed in the project's
   interpreter, the `python` setting, read from its site-packages' dist-info folder names. That
   is what the code runs on today.
4. `notebook-pin`: a notebook's own `!pip install` / `%pip install` cells: what it installs for
   itself, nearer than the project's files.
5. `pin`: the project's dependency files (see `dependency_pins`), the nearest folder with a
   decisive pin winning, from the module's folder up to the project root (the first folder with
   `.git`, `pyproject.toml`, `setup.py` or `setup.cfg`). What the project declares it runs on.
6. `module`: imports and calls of the module itself that exist in only one Keras
   (`import tf_keras`, `tensorflow_addons`, `official.*`, `optimizers.legacy`, `Adam(lr=...)`,
   `save_format=`, `add_loss(lambda: ...)`, `save_weights("w.h5")` are Keras 2; `keras.ops`,
   `keras.saving`, `KERAS_BACKEND`, `keras_hub` are Keras 3). The weakest: a module often keeps
   old idioms that still run; when it shows both, it decides nothing.
7. Otherwise the target is unknown, and version-dependent rules speak at information level
   ("On Keras 3: ...").
The Keras installed beside layerlint itself is not evidence: it is the linter's environment, not
the project's.

Costs nothing per keystroke: project files are read once per folder and re-read only when a
folder's or file's mtime changes; the module's own evidence is cached per top-level block text.
"""

from __future__ import annotations

import ast
import bisect
import json
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlint.analysis.dependency_pins import (
    PIN_FILE_PATTERNS,
    Pin,
    PinVerdict,
    package_of,
    pins_in_file,
    pip_install_pins,
    verdict,
)
from layerlint.analysis.imports import dotted_name
from layerlint.analysis.walk import breadth_first

KINDS = ("override", "legacy-switch", "installed", "notebook-pin", "pin", "module")
_ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_CACHE_SIZE = 4096
_checked_at: dict[str, float] = {}
_RECHECK_SECONDS = 1.0
"""Files on disk (pins, a notebook, an interpreter's site-packages) are re-validated by mtime at
most once a second: a burst of keystrokes costs nothing, an edited requirements.txt is seen
within a second."""
_LEGACY_VARIABLE = "TF_USE_LEGACY_KERAS"


@dataclass(frozen=True)
class Evidence:
    major: int
    """2 or 3."""
    kind: str
    """One of KINDS."""
    text: str
    """What was read: `tensorflow~=2.12`, `import tf_keras`, `keras 3.15.1`."""
    path: str | None = None
    line: int | None = None
    """The line in `path` (in a notebook file: the cell's number), or in the module's text."""
    version: str | None = None
    """The exact Keras version this evidence names, when it names one."""

    def describe(self) -> str:
        where = ""
        if self.path is not None and self.path.endswith(".ipynb"):
            where = f" ({os.path.basename(self.path)}" + (f", cell {self.line})" if self.line else ")")
        elif self.path is not None:
            where = f" ({os.path.basename(self.path)}" + (f":{self.line})" if self.line else ")")
        elif self.line is not None:
            where = f" (line {self.line})"
        return f"`{self.text}`{where}"

    def to_json(self) -> dict:
        return {"major": self.major, "kind": self.kind, "text": self.text, "path": self.path,
                "line": self.line}


@dataclass(frozen=True)
class KerasTarget:
    major: int | None
    """2, 3, or None when unknown."""
    version: str | None = None
    """The exact Keras version when the evidence names one ("3.9.2")."""
    evidence: tuple[Evidence, ...] = ()
    """What decided (empty when unknown)."""
    overruled: tuple[Evidence, ...] = field(default=(), compare=False)
    """Weaker evidence that disagreed, or module evidence that contradicted itself."""

    @property
    def key(self) -> tuple[int | None, str | None]:
        """What findings depend on (cache keys): the evidence itself changes no finding."""
        return self.major, self.version

    @property
    def catalog_version(self) -> str | None:
        """The version to read layer facts for: the exact one, "2" for Keras 2 (whose layers
        are tf-keras'), None for the newest catalog."""
        if self.version is not None:
            return self.version
        return "2" if self.major == 2 else None

    @property
    def source(self) -> str:
        return self.evidence[0].kind if self.evidence else "unknown"

    def summary(self) -> str:
        """`Keras 2 (pin: `tensorflow<2.16` (requirements.txt:3))`, for hover and messages."""
        if self.major is None:
            if self.overruled:
                shown = ", ".join(item.describe() for item in self.overruled[:3])
                return f"Keras version unknown (the module's evidence disagrees: {shown})"
            return "Keras version unknown (no pin, interpreter or version-specific code found)"
        name = f"Keras {self.version}" if self.version else f"Keras {self.major}"
        shown = ", ".join(item.describe() for item in self.evidence[:3])
        return f"{name}, from {self.source}: {shown}"

    def to_json(self) -> dict:
        return {
            "major": self.major,
            "version": self.version,
            "source": self.source,
            "evidence": [item.to_json() for item in self.evidence],
            "overruled": [item.to_json() for item in self.overruled],
        }


UNKNOWN = KerasTarget(None)


# -- resolving ----------------------------------------------------------------------------------
def resolve(
    module_evidence: Iterable[Evidence], path: str | None, keras_version: str | None = None,
    python: str | None = None,
) -> KerasTarget:
    """The target of one module: `module_evidence` is what its own text shows (see
    `block_evidence`), `path` locates its project, `keras_version` and `python` are settings."""
    found: dict[str, list[Evidence]] = {kind: [] for kind in KINDS}
    if keras_version:
        major = _major_of(keras_version)
        if major is not None:
            found["override"].append(Evidence(major, "override", f"keras-version = {keras_version}",
                                              version=keras_version if "." in keras_version else None))
    for item in module_evidence:
        found[item.kind].append(item)
    if python:
        found["installed"].extend(installed_evidence(python))
    if path is not None and _on_disk(path):
        if path.endswith(".ipynb"):
            for item in notebook_evidence(path):
                found[item.kind].append(item)
        found["pin"].extend(project_evidence(path))
    return decide(found)


def _on_disk(path: str) -> bool:
    """A real file, or a new one in a real folder (not `<stdin>`, `untitled:1`)."""
    name = os.path.basename(path)
    return bool(name) and not name.startswith(("<", "untitled:")) and (
        os.path.isdir(os.path.dirname(path) or "."))


def decide(found: dict[str, list[Evidence]]) -> KerasTarget:
    """Apply the order of KINDS to the evidence found."""
    for index, kind in enumerate(KINDS):
        items = found.get(kind, [])
        majors = {item.major for item in items}
        if len(majors) == 1:
            major = majors.pop()
            version = next((item.version for item in items if item.version), None)
            weaker = [item for later in KINDS[index + 1:] for item in found.get(later, [])
                      if item.major != major]
            return KerasTarget(major, version, tuple(items), tuple(weaker))
        if len(majors) > 1 and kind == "module":
            return KerasTarget(None, None, (), tuple(items))
    return UNKNOWN


def _major_of(version: str) -> int | None:
    match = re.match(r"\s*(\d+)", version)
    return int(match.group(1)) if match else None


def _pin_evidence(pin_verdict: PinVerdict, kind: str) -> list[Evidence]:
    if pin_verdict.major is None:
        return []
    return [Evidence(pin_verdict.major, kind, pin.text, pin.path, pin.line,
                     pin_verdict.version)
            for pin in pin_verdict.deciding]


# -- the module's own text ----------------------------------------------------------------------
_KERAS_2_MODULES = ("tf_keras", "tensorflow_addons", "official", "tensorflow.python.keras",
                    "keras.layers.experimental", "tensorflow.keras.layers.experimental",
                    "keras.engine", "keras.layers.core", "keras.utils.np_utils", "keras.wrappers",
                    "tensorflow.keras.wrappers", "keras.optimizers.legacy",
                    "tensorflow.keras.optimizers.legacy")
_KERAS_3_MODULES = ("keras.ops", "keras.saving", "keras_hub", "keras_core", "keras.random",
                    "tensorflow.keras.ops")
_OPTIMIZERS = {"Adam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "AdamW"}
_GENERATOR_METHODS = {"fit_generator", "predict_generator", "evaluate_generator"}
# Words on every line that can hold evidence: only statements on such lines are walked, so a
# keystroke re-scans a few statements of the edited block, not the whole class.
_TRIGGER = re.compile(r"tf_keras|tensorflow_addons|official|experimental|keras\.engine|layers\.core|"
                      r"np_utils|wrappers|legacy|ops|saving|keras_hub|keras_core|random|\blr\b|"
                      r"save_format|add_loss|save_weights|_generator|KERAS|get_ipython|environ|putenv")

_TRIGGER_WORDS = tuple(word.replace("\\", "") for word in _TRIGGER.pattern.split("|")
                       if not word.startswith("\\b"))
_block_cache: OrderedDict[str, tuple[Evidence, ...]] = OrderedDict()


def block_evidence(text: str, tree: ast.Module, line_offset: int = 0) -> tuple[Evidence, ...]:
    """The evidence in one top-level block (cached by its text); lines are made absolute by
    `line_offset` (the block's first line minus one)."""
    cached = _block_cache.get(text)
    if cached is None:
        lines = _trigger_lines(text)
        cached = _unique(_scan(tree.body, lines)) if lines else ()
        _block_cache[text] = cached
        if len(_block_cache) > _CACHE_SIZE:
            _block_cache.popitem(last=False)
    if not line_offset or not cached:
        return cached
    return tuple(Evidence(item.major, item.kind, item.text, item.path,
                          item.line + line_offset if item.line else item.line, item.version)
                 for item in cached)


def _trigger_lines(text: str) -> list[int]:
    """The 1-based lines holding a trigger word, in order: the lines `_TRIGGER` matches on.
    No word spans a line, so each word is looked for with `str.find`, once per line, which is
    several times faster than the alternation of 23 words tried at every character."""
    starts: set[int] = set()
    for word in _TRIGGER_WORDS:
        found = text.find(word)
        while found >= 0:
            line_start = text.rfind("\n", 0, found) + 1
            starts.add(line_start)
            line_end = text.find("\n", found)
            if line_end < 0:
                break
            found = text.find(word, line_end + 1)
    # `\blr\b` the same way: each `lr` found, kept where no word character (`\w`: a letter,
    # a digit or `_`) touches it (the regex, `\b` tried at every character, costs 30 us on a
    # class of 1,400 characters, more than all the words' `find`s together).
    found = text.find("lr")
    while found >= 0:
        before, after = text[found - 1:found], text[found + 2:found + 3]
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            starts.add(text.rfind("\n", 0, found) + 1)
        found = text.find("lr", found + 2)
    lines: list[int] = []
    line, position = 1, 0
    for start in sorted(starts):
        line += text.count("\n", position, start)
        position = start
        lines.append(line)
    return lines


def _unique(found: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """One item per kind and text (the first place it shows), in order."""
    seen: dict[tuple[str, str], Evidence] = {}
    for item in found:
        seen.setdefault((item.kind, item.text), item)
    return tuple(seen.values())


def _scan(statements: list[ast.stmt], lines: list[int]) -> Iterable[Evidence]:
    """Evidence in the statements that span a line in `lines`, descending into compound
    statements so that only the simple statements on those lines are walked."""
    for statement in statements:
        decorators = getattr(statement, "decorator_list", None) or []
        first = min([statement.lineno, *(decorator.lineno for decorator in decorators)])
        last = statement.end_lineno or statement.lineno
        at = bisect.bisect_left(lines, first)
        if at == len(lines) or lines[at] > last:  # no trigger line within first..last
            continue
        children = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody", "handlers")]
        nested = [child for block in children if isinstance(block, list) for child in block
                  if isinstance(child, ast.stmt)]
        nested += [child for handler in getattr(statement, "handlers", []) or [] for child in handler.body]
        if not nested:
            yield from _scan_nodes(breadth_first(statement))
            continue
        for name, value in ast.iter_fields(statement):
            if name in ("body", "orelse", "finalbody", "handlers"):
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.AST):
                    yield from _scan_nodes(breadth_first(item))
        yield from _scan(nested, lines)


def _scan_nodes(nodes: Iterable[ast.AST]) -> Iterable[Evidence]:
    # By exact type (the parser makes no subclasses), attributes filtered before a generator
    # is made for them: the statements on a trigger line are mostly `ops.<function>(...)`.
    for node in nodes:
        kind = type(node)
        if kind is ast.Attribute:
            if node.attr in _EVIDENCE_ATTRIBUTES:  # type: ignore[attr-defined]
                yield from _attribute_evidence(node)  # type: ignore[arg-type]
        elif kind is ast.Call:
            yield from _call_evidence(node)  # type: ignore[arg-type]
        elif kind is ast.Import or kind is ast.ImportFrom:
            yield from _import_evidence(node)  # type: ignore[arg-type]
        elif kind is ast.Assign:
            yield from _assignment_evidence(node)  # type: ignore[arg-type]


def _module_major(name: str) -> int | None:
    def under(prefixes: tuple[str, ...]) -> bool:
        return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)

    if under(_KERAS_2_MODULES):
        return 2
    if under(_KERAS_3_MODULES):
        return 3
    return None


def _import_evidence(node: ast.Import | ast.ImportFrom) -> Iterable[Evidence]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        text = f"import {', '.join(names)}"
    else:
        if node.level:
            return
        module = node.module or ""
        names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        text = f"from {module} import {', '.join(alias.name for alias in node.names)}"
    majors = {major for name in names if (major := _module_major(name)) is not None}
    if len(majors) == 1:
        yield Evidence(majors.pop(), "module", _short(text), line=node.lineno)


_EVIDENCE_ATTRIBUTES = frozenset({"legacy", "ops", "saving"})


def _attribute_evidence(node: ast.Attribute) -> Iterable[Evidence]:
    # Only the outermost attribute of a chain, so `keras.ops.sum` counts once.
    if node.attr in _EVIDENCE_ATTRIBUTES:
        dotted = dotted_name(node)
        if dotted is None:
            return
        if dotted.endswith("optimizers.legacy"):
            yield Evidence(2, "module", dotted, line=node.lineno)
        elif dotted in ("keras.ops", "keras.saving", "tf.keras.ops"):
            yield Evidence(3, "module", dotted, line=node.lineno)


def _call_evidence(node: ast.Call) -> Iterable[Evidence]:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    keywords = {keyword.arg for keyword in node.keywords}
    if name in _OPTIMIZERS and "lr" in keywords:
        yield Evidence(2, "module", f"{name}(lr=...)", line=node.lineno)
    elif "save_format" in keywords and name in ("save", "save_model", "save_weights"):
        yield Evidence(2, "module", f"{name}(..., save_format=...)", line=node.lineno)
    elif name == "add_loss" and node.args and isinstance(node.args[0], ast.Lambda):
        yield Evidence(2, "module", "add_loss(lambda: ...)", line=node.lineno)
    elif name == "save_weights" and node.args and isinstance(func, ast.Attribute):
        suffix = _string_suffix(node.args[0])
        if suffix is not None and not suffix.endswith(".weights.h5"):
            yield Evidence(2, "module", f"save_weights({_short(ast.unparse(node.args[0]))})",
                           line=node.lineno)
    elif name in _GENERATOR_METHODS and isinstance(func, ast.Attribute):
        yield Evidence(2, "module", f"{name}(...)", line=node.lineno)
    elif name in ("setdefault", "update", "putenv"):
        yield from _environment_call(node)
    elif name in ("system", "run_line_magic") and _on_get_ipython(func):
        yield from _ipython_evidence(node, name)


def _string_suffix(node: ast.expr) -> str | None:
    """The known end of a string argument: a literal, or an f-string ending in a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        last = node.values[-1]
        if isinstance(last, ast.Constant) and isinstance(last.value, str):
            return last.value
    return None


def _assignment_evidence(node: ast.Assign) -> Iterable[Evidence]:
    """`os.environ["TF_USE_LEGACY_KERAS"] = "1"`, `os.environ["KERAS_BACKEND"] = "jax"`."""
    for target in node.targets:
        if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                and (dotted_name(target.value) or "").endswith("environ")):
            yield from _variable_evidence(target.slice.value, node.value, node.lineno)


def _environment_call(node: ast.Call) -> Iterable[Evidence]:
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    dotted = dotted_name(receiver) if receiver is not None else None
    if isinstance(node.func, ast.Attribute) and node.func.attr == "putenv":
        dotted = "environ"
    if not (dotted or "").endswith("environ"):
        return
    if len(node.args) == 2 and isinstance(node.args[0], ast.Constant):
        yield from _variable_evidence(node.args[0].value, node.args[1], node.lineno)
    elif node.args and isinstance(node.args[0], ast.Dict):
        for key, value in zip(node.args[0].keys, node.args[0].values):
            if isinstance(key, ast.Constant):
                yield from _variable_evidence(key.value, value, node.lineno)


def _variable_evidence(name: object, value: ast.expr, line: int) -> Iterable[Evidence]:
    if name == _LEGACY_VARIABLE and _truthy(value):
        yield Evidence(2, "legacy-switch", f"{_LEGACY_VARIABLE}=1", line=line)
    elif name == "KERAS_BACKEND":
        yield Evidence(3, "module", "KERAS_BACKEND", line=line)


def _truthy(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and str(value.value).strip().lower() in ("1", "true", "yes")


def _on_get_ipython(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython")


def _ipython_evidence(node: ast.Call, name: str) -> Iterable[Evidence]:
    """JupyterLab's virtual documents spell `!pip install x` as `get_ipython().system(...)`."""
    strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant)
               and isinstance(arg.value, str)]
    if name == "system" and strings:
        line = "!" + strings[0]
    elif name == "run_line_magic" and len(strings) == 2:
        line = f"%{strings[0]} {strings[1]}"
    else:
        return
    yield from _magic_line_evidence(line, None, node.lineno)


def _magic_line_evidence(line: str, path: str | None, number: int) -> Iterable[Evidence]:
    stripped = line.strip()
    if re.match(rf"^%env\s+{_LEGACY_VARIABLE}\s*[= ]\s*['\"]?(1|true|True)", stripped):
        yield Evidence(2, "legacy-switch", f"%env {_LEGACY_VARIABLE}=1", path, number)
        return
    pins = pip_install_pins(stripped, path or "", number)
    yield from _pin_evidence(verdict(pins), "notebook-pin")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


# -- a notebook's own cells, read from disk -----------------------------------------------------
_notebook_cache: OrderedDict[str, tuple[tuple[int, int] | None, tuple[Evidence, ...]]] = OrderedDict()


def notebook_evidence(path: str) -> tuple[Evidence, ...]:
    """`!pip install` and `%env` lines of a notebook file (the analysed program has them blanked)."""
    cached = _notebook_cache.get(path)
    now = time.monotonic()
    if cached is not None and now - _checked_at.get(path, 0.0) < _RECHECK_SECONDS:
        return cached[1]
    _checked_at[path] = now
    stamp = _stamp(Path(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    evidence: list[Evidence] = []
    if stamp is not None:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            cells = []
        pins: list[Pin] = []
        for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            for line in text.splitlines():
                if "TF_USE_LEGACY_KERAS" in line or "pip" in line:
                    evidence.extend(item for item in _magic_line_evidence(line, path, number)
                                    if item.kind == "legacy-switch")
                    pins.extend(pip_install_pins(line.strip(), path, number))
        evidence.extend(_pin_evidence(verdict(pins), "notebook-pin"))
    result = tuple(evidence)
    _notebook_cache[path] = (stamp, result)
    if len(_notebook_cache) > _CACHE_SIZE:
        _notebook_cache.popitem(last=False)
    return result


# -- the project's dependency files -------------------------------------------------------------
_project_cache: dict[str, tuple[tuple, tuple[Evidence, ...]]] = {}


def project_evidence(path: str) -> tuple[Evidence, ...]:
    """The pins of the nearest folder (from the module's up to the project root) whose
    dependency files decide a Keras version."""
    key = os.path.dirname(os.path.abspath(path)) if not os.path.isdir(path) else os.path.abspath(path)
    if _snapshot is not None:
        found = _snapshot.get(("folder", key))
        if found is None:
            found = _snapshot[("folder", key)] = _pins_up_to_root(Path(key))[1]
        return found
    cached = _project_cache.get(key)
    if _reusable(key, cached) and cached is not None:
        return cached[1]
    stamps, result = _pins_up_to_root(Path(key))
    _project_cache[key] = (stamps, result)
    return result


def _pins_up_to_root(folder: Path) -> tuple[tuple, tuple[Evidence, ...]]:
    """(stamps of the folders and files read, the pins of the nearest folder that decides)."""
    stamps: list[tuple[str, object]] = []
    for directory in _folders_up_to_root(folder):
        directory_stamps, decided = _directory_pins(directory)
        stamps.extend(directory_stamps)
        if decided:
            return tuple(stamps), decided
    return tuple(stamps), ()


_snapshot: dict[tuple[str, str], Any] | None = None
"""Inside `read_once`: each folder's pins, root test and nearest decisive pins, by folder."""


@contextmanager
def read_once() -> Iterator[None]:
    """Inside the block (`layerlint check`, and the worker processes it forks), each folder's
    project-root markers and dependency files are looked at once: the check reads the project
    as it was when it first got there (as it reads other project files: `batch.project_uses`),
    instead of stat'ing every folder from each module's up to the root again for each module's
    folder (3.6% of the CPU of a check of keras-hub's 816 files)."""
    global _snapshot
    previous, _snapshot = _snapshot, {}
    try:
        yield
    finally:
        _snapshot = previous


_directory_cache: dict[str, tuple[tuple[tuple[str, object], ...], tuple[Evidence, ...]]] = {}


def _directory_pins(directory: Path) -> tuple[tuple[tuple[str, object], ...], tuple[Evidence, ...]]:
    """(stamps of the folder and of its dependency files, the pins they decide) for one folder,
    read again only when one of those stamps changed: the folders above a package's folders
    (up to the project root, or to `/` without one) are listed once, not once per folder
    below them (a large check has hundreds of those)."""
    if _snapshot is not None:
        found = _snapshot.get(("pins", str(directory)))
        if found is None:
            found = _snapshot[("pins", str(directory))] = _checked_directory_pins(directory)
        return found
    return _checked_directory_pins(directory)


def _checked_directory_pins(
    directory: Path,
) -> tuple[tuple[tuple[str, object], ...], tuple[Evidence, ...]]:
    cached = _directory_cache.get(str(directory))
    if cached is not None and _still_valid(cached[0]):
        return cached
    stamps: list[tuple[str, object]] = [(str(directory), _stamp(directory))]
    pins: list[Pin] = []
    for file in _pin_files(directory):
        stamps.append((str(file), _stamp(file)))
        try:
            pins.extend(pins_in_file(file, file.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    found = (tuple(stamps), tuple(_pin_evidence(verdict(pins), "pin")))
    if len(_directory_cache) > _CACHE_SIZE:
        _directory_cache.clear()
    _directory_cache[str(directory)] = found
    return found


def _folders_up_to_root(folder: Path) -> list[Path]:
    folders = []
    home = Path.home()
    for directory in (folder, *folder.parents):
        folders.append(directory)
        if directory == home or _is_root(directory):
            break
    return folders


def _is_root(directory: Path) -> bool:
    """Whether `directory` holds a project-root marker (once per folder inside `read_once`)."""
    if _snapshot is None:
        return any((directory / marker).exists() for marker in _ROOT_MARKERS)
    found = _snapshot.get(("root", str(directory)))
    if found is None:
        found = _snapshot[("root", str(directory))] = any(
            (directory / marker).exists() for marker in _ROOT_MARKERS)
    return bool(found)


def _pin_files(directory: Path) -> list[Path]:
    files: list[Path] = []
    for pattern in PIN_FILE_PATTERNS:
        try:
            files.extend(sorted(path for path in directory.glob(pattern) if path.is_file()))
        except OSError:
            continue
    return files


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _reusable(key: str, cached: tuple | None) -> bool:
    """Whether a cached (stamps, result) may be used: checked less than a second ago, or its
    files' stamps are unchanged. Either way `key` counts as checked now."""
    now = time.monotonic()
    recent = now - _checked_at.get(key, 0.0) < _RECHECK_SECONDS
    _checked_at[key] = now
    return cached is not None and (recent or _still_valid(cached[0]))


def _still_valid(stamps: tuple[tuple[str, object], ...]) -> bool:
    return all(_stamp_of(name) == stamp for name, stamp in stamps)


def _stamp_of(name: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


# -- the project's interpreter ------------------------------------------------------------------
_installed_cache: dict[str, tuple[tuple, tuple[Evidence, ...]]] = {}


def installed_evidence(python: str) -> tuple[Evidence, ...]:
    """The Keras installed in the interpreter at `python`, read from the dist-info folder names
    of its site-packages (the interpreter is never run)."""
    cached = _installed_cache.get(python)
    if _reusable(python, cached) and cached is not None:
        return cached[1]
    folders = site_packages(Path(python))
    prefix = Path(python).parent.parent
    stamps = (*((str(folder), _stamp(folder)) for folder in folders), (str(prefix), _stamp(prefix)))
    installed: dict[str, tuple[str, Path]] = {}
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.endswith(".dist-info"):
                continue
            name, _, version = entry.name[: -len(".dist-info")].partition("-")
            package = package_of(name)
            if package is not None and version:
                installed.setdefault(package, (version, Path(entry.path)))
    result = tuple(_installed_decision(installed))
    _installed_cache[python] = (stamps, result)
    return result


def _installed_decision(installed: dict[str, tuple[str, Path]]) -> Iterable[Evidence]:
    if "keras" in installed:
        version, where = installed["keras"]
        major = _major_of(version)
        if major is not None:
            yield Evidence(major, "installed", f"keras {version}", str(where), version=version)
            return
    if "tensorflow" in installed:
        version, where = installed["tensorflow"]
        numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        if len(numbers) == 2:
            yield Evidence(3 if numbers >= (2, 16) else 2, "installed", f"tensorflow {version}",
                           str(where))


def site_packages(python: Path) -> list[Path]:
    """The site-packages folders of a virtualenv, conda or system interpreter at `python`
    (`ENV/bin/python`, `ENV/Scripts/python.exe`, `ENV/python.exe`)."""
    folders: list[Path] = []
    for prefix in (python.parent.parent, python.parent):
        for candidate in (*sorted(prefix.glob("lib/python3*/site-packages")),
                          *sorted(prefix.glob("lib64/python3*/site-packages")),
                          prefix / "Lib" / "site-packages"):
            if candidate.is_dir() and candidate not in folders:
                folders.append(candidate)
        if folders:
            break
    return folders
