"""Layer classes of installed packages (`from timm.layers import BatchNormAct2d`,
`keras_hub.layers.TransformerEncoder`), found with jedi in the project's environment.

jedi locates a definition from the package's source without importing it. The class is then
indexed like a workspace class (`model_index.build_class_model`), and its bases are followed the
same way until they reach a framework class: a built-in layer (`nn.BatchNorm2d`: the class
inherits its moving statistics) or a model base (`keras.layers.Layer`). So a reused third-party
BatchNorm subclass is LL101, and a third-party layer without weights is not reported.

The environment is the project's interpreter (the `python` setting), else the server's own.
Results are cached per (interpreter, name) for the session. jedi can take a second on a large
package, so the server resolves in a worker thread (`resolve_in_background`): an analysis that
runs on the server's event loop does without the class until jedi answered, and the listener,
called on that loop, re-publishes. Without a listener, or off an event loop (the command line,
the pylsp plugin's worker, tests), resolution is synchronous; `resolve_with` sends those
questions elsewhere (`layerlint check`'s workers share one jedi process).
"""

from __future__ import annotations

import ast
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from layerlint.analysis.frameworks import builtin_layer, framework_of, model_base_framework
from layerlint.analysis.imports import collect_imports, qualified_name
from layerlint.analysis.model_index import ClassModel, build_class_model
from layerlint.analysis.module_search import forget as forget_module_search
from layerlint.analysis.module_search import plainly_no_class

if TYPE_CHECKING:  # imported when used: a process without an event loop (`check`, the
    # project index process) never needs asyncio, concurrent.futures and the TLS they load
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

_MAX_DEPTH = 6
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledClass:
    """A layer class of an installed package, with the installed classes it derives from."""

    model: ClassModel
    """Its base names are qualified (`timm.layers.norm_act.BatchNormAct2d`), so that the
    engine finds the ancestors under those names."""
    framework: str
    ancestors: tuple[tuple[str, ClassModel], ...] = ()


_results: dict[tuple[str | None, str, str | None], InstalledClass | None] = {}
_lock = threading.Lock()
_pending: set[tuple[str | None, str, str | None]] = set()
_executor: ThreadPoolExecutor | None = None
_on_resolved: Callable[[], None] | None = None
_answered_since_notice = False
_environments: dict[str | None, object] = {}


def resolve_in_background(on_resolved: Callable[[], None]) -> None:
    """Analyses running on an event loop resolve in a worker thread from now on; `on_resolved`
    runs on the loop that asked after a new answer arrived."""
    global _on_resolved
    _on_resolved = on_resolved


def resolve_synchronously() -> None:
    global _on_resolved
    _on_resolved = None


def installed_class(
    qualified: str, python: str | None, keras_version: str | None
) -> InstalledClass | None:
    """The installed layer class `qualified` names, or None (not a layer class, not found, or,
    in background mode, not resolved yet)."""
    if not _candidate(qualified):
        return None
    key = (python, qualified, keras_version)
    with _lock:
        if key in _results:
            return _results[key]
    if python is None and plainly_no_class(qualified):  # a module, or no such package
        return None
    loop = _running_loop()
    if _on_resolved is None or loop is None:
        result = _resolve_synchronously(qualified, python, keras_version)
        with _lock:
            _results[key] = result
        return result
    _schedule(key, loop)
    return None


Resolver = Callable[[str, str | None, str | None], "InstalledClass | None"]
_resolver: Resolver | None = None


def resolve_with(resolver: Resolver | None) -> Resolver | None:
    """Where synchronous resolutions go: None, jedi in this process (the default); else
    `resolver(qualified, python, keras_version)`, which must answer what `resolve_here` would
    (`layerlint check` lets its workers share one process's jedi: `batch.shared_jedi`).
    Returns the previous one."""
    global _resolver
    previous, _resolver = _resolver, resolver
    return previous


def _resolve_synchronously(
    qualified: str, python: str | None, keras_version: str | None
) -> InstalledClass | None:
    if _resolver is not None:
        try:
            return _resolver(qualified, python, keras_version)
        except Exception as error:  # the resolver's process is gone: ask jedi here
            _log.debug("layerlint: shared resolver failed on %s: %r", qualified, error)
    return _resolve(qualified, python, keras_version)


def resolve_here(qualified: str, python: str | None, keras_version: str | None) -> InstalledClass | None:
    """The class `qualified` names, found with jedi in this process (uncached)."""
    return _resolve(qualified, python, keras_version)


def warm_up(python: str | None) -> None:
    """Start jedi's environment for `python` and load what any question reads first (the
    interpreter's module path, the builtins' stubs) by asking for a module that does not
    exist; answers and remembers no question (`batch.shared_jedi` runs it in its server
    process while the check starts)."""
    try:
        import jedi

        jedi.Script("from layerlint_warm_up_ import name\nname\n",
                    environment=_environment(python)).goto(2, 0, follow_imports=True)
    except Exception as error:  # the questions will say it again
        _log.debug("layerlint: jedi warm-up for %s: %r", python, error)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    loaded = sys.modules.get("asyncio")
    if loaded is None:  # no event loop runs in a process that never imported asyncio
        return None
    try:
        return cast("asyncio.AbstractEventLoop", loaded.get_running_loop())
    except RuntimeError:
        return None


def _candidate(qualified: str) -> bool:
    """Whether jedi is asked about `qualified` at all. Not about a framework's own names, nor
    about the standard library's (`functools.partial`, `typing.Iterable`): no class there
    derives from a framework class, and asking jedi costs its start (~0.5 s) per process."""
    root = qualified.split(".")[0]
    return (
        "." in qualified and not qualified.startswith(".")
        and framework_of(qualified) is None and root != "tensorflow"
        and root not in _STANDARD_LIBRARY
    )


_STANDARD_LIBRARY = frozenset(sys.stdlib_module_names)


def _schedule(key: tuple[str | None, str, str | None], loop: asyncio.AbstractEventLoop) -> None:
    global _executor
    with _lock:
        if key in _pending:
            return
        _pending.add(key)
        if _executor is None:
            from concurrent.futures import ThreadPoolExecutor

            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="layerlint-jedi")
    listener = _on_resolved

    def job() -> None:
        global _answered_since_notice
        result = _resolve(key[1], key[0], key[2])
        with _lock:
            _results[key] = result
            _pending.discard(key)
            _answered_since_notice |= result is not None
            # One refresh per batch of questions, not one per answer.
            notify = _answered_since_notice and not _pending
            if notify:
                _answered_since_notice = False
        if notify and listener is not None and not loop.is_closed():
            loop.call_soon_threadsafe(listener)

    _executor.submit(job)


def wait_for_pending(timeout: float = 60.0) -> None:
    """Block until the worker has answered everything asked so far (for tests)."""
    if _executor is not None:
        _executor.submit(lambda: None).result(timeout)


def forget() -> None:
    """Drop every cached answer (the environment changed)."""
    with _lock:
        _results.clear()
        _environments.clear()
    forget_module_search()


# -- resolution (runs in the worker in background mode) ------------------------------------
def _resolve(qualified: str, python: str | None, keras_version: str | None) -> InstalledClass | None:
    try:
        found: dict[str, tuple[ClassModel, str | None]] = {}
        framework = _index(qualified, python, keras_version, found, 0)
    except Exception as error:  # jedi on arbitrary site-packages: never take the analysis down
        _log.debug("layerlint: cannot resolve %s: %r", qualified, error)
        return None
    if framework is None or qualified not in found:
        return None
    model = found[qualified][0]
    ancestors = tuple((name, entry[0]) for name, entry in found.items() if name != qualified)
    return InstalledClass(model, framework, ancestors)


def _index(
    qualified: str, python: str | None, keras_version: str | None,
    found: dict[str, tuple[ClassModel, str | None]], depth: int,
) -> str | None:
    """Index the class `qualified` and its installed bases into `found`; returns its framework."""
    if qualified in found:
        return found[qualified][1]
    if depth > _MAX_DEPTH:
        return None
    located = _definition(qualified, python)
    if located is None:
        return None
    path, line, module = located
    node, tree = _class_at(path, line)
    if node is None:
        return None
    imports = collect_imports(
        stmt for stmt in tree.body if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Try, ast.If))
    )
    local_names = {stmt.name for stmt in tree.body if isinstance(stmt, ast.ClassDef)}
    bases = []
    for base_node in node.bases:
        name = qualified_name(base_node, imports)
        if name is None:
            continue
        if name in local_names:
            name = f"{module}.{name}"
        elif name.startswith("."):
            name = _absolute(name, module, path)
        bases.append(name)
    # Placeholder against cycles while the bases are followed.
    model = replace(build_class_model(node, imports, set(), keras_version), name=qualified,
                    base_names=bases)
    found[qualified] = (model, None)
    framework = None
    for base in bases:
        framework = model_base_framework(base) or (
            framework_of(base) if builtin_layer(base, keras_version) is not None else None
        )
        if framework is None and _candidate(base):
            framework = _index(base, python, keras_version, found, depth + 1)
        if framework is not None:
            break
    if framework is None:
        del found[qualified]
        return None
    found[qualified] = (model, framework)
    return framework


def _absolute(relative: str, module: str, path: Path) -> str:
    level = len(relative) - len(relative.lstrip("."))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    rest = relative.lstrip(".")
    return ".".join([*base, rest]) if rest else ".".join(base)


def _environment(python: str | None):
    import jedi

    if python not in _environments:
        # Always a subprocess environment, also for the server's own interpreter: jedi then
        # inspects compiled modules in that subprocess, never by importing them here.
        _environments[python] = jedi.create_environment(python or sys.executable, safe=False)
    return _environments[python]


def _definition(qualified: str, python: str | None) -> tuple[Path, int, str] | None:
    """(file, line, module name) of the class `qualified` names, by jedi's goto."""
    import jedi

    module, _, name = qualified.rpartition(".")
    if not module or not name.isidentifier():
        return None
    code = f"from {module} import {name}\n{name}\n"
    script = jedi.Script(code, environment=_environment(python))
    for definition in script.goto(2, 0, follow_imports=True):
        if definition.type == "class" and definition.module_path and definition.line:
            path = Path(definition.module_path)
            if path.suffix == ".py":
                return path, definition.line, definition.module_name
    return None


_trees: dict[Path, ast.Module] = {}


def _class_at(path: Path, line: int) -> tuple[ast.ClassDef | None, ast.Module]:
    tree = _trees.get(path)
    if tree is None:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        _trees[path] = tree
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.lineno <= line <= (stmt.end_lineno or line):
            return stmt, tree
    return None, tree
