"""What the search path of the interpreter layerlint runs in says of a dotted name, without
importing anything or asking jedi: whether its top-level package is there at all, and whether
the name is a module of its package (`from rich import console`).

`installed` asks here before it asks jedi about a name (when no `python` setting names another
interpreter): a name that plainly denotes no class of an installed package costs a few stats
instead of jedi's start (~0.5 s per process, and a core's share while a check runs).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
from importlib.machinery import ModuleSpec

_answers: dict[str, bool] = {}


def plainly_no_class(qualified: str) -> bool:
    """True when `qualified` (`package.module.Name`) can name no class of an installed
    package's source: its top-level package is neither on this process's search path (import
    hooks included) nor in the working folder or a folder above it (where jedi's default
    project looks), or `qualified` is itself a module. A package whose `__init__` binds a class
    under the name of one of its own modules is taken for the module. False means: ask jedi."""
    answer = _answers.get(qualified)
    if answer is None:
        answer = _answers[qualified] = _no_class(qualified)
    return answer


def _no_class(qualified: str) -> bool:
    parts = qualified.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        return False
    try:
        spec = _top_level(parts[0])
        if spec is None:
            return True  # not installed: jedi finds no source either
        for depth in range(2, len(parts) + 1):
            locations = spec.submodule_search_locations
            if not locations:
                return False  # an attribute of a module: jedi decides
            spec = _submodule_spec(".".join(parts[:depth]), list(locations))
            if spec is None:
                return False  # a name bound inside the package: jedi decides
        return True  # every part, the last included, is a module
    except (ImportError, ValueError, OSError):  # a broken package or hook: jedi decides
        return False


def _submodule_spec(name: str, locations: list[str]) -> ModuleSpec | None:
    """The import system's spec of a submodule found in its package's `locations`. For a
    namespace package (a folder without `__init__.py`), whose spec the import system builds
    from its parent's imported module (never imported here: it raises KeyError), a spec naming
    its folders: those of that name in `locations`, where no module of that name was found
    (None where there are none: the error came from elsewhere, jedi decides)."""
    try:
        return importlib.machinery.PathFinder.find_spec(name, locations)
    except KeyError:
        last = name.rpartition(".")[2]
        folders = [folder for folder in (os.path.join(location, last) for location in locations)
                   if os.path.isdir(folder)]
        if not folders:
            return None
        spec = ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = folders
        return spec


def _top_level(name: str) -> ModuleSpec | None:
    """The spec of a top-level module from the import system's finders (which import nothing
    for a top-level name), else from the working folder and the folders above it."""
    spec = importlib.util.find_spec(name)
    if spec is not None:
        return spec
    folder = os.getcwd()
    folders = [folder]
    while os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        folders.append(folder)
    return importlib.machinery.PathFinder.find_spec(name, folders)


def forget() -> None:
    """Drop the remembered answers, and the import system's listings of folders (packages were
    installed or removed)."""
    _answers.clear()
    importlib.invalidate_caches()
