"""Dependencies point one way (design.md §1): `analysis` and `fixes` each use the bottom layer
(`syntax`, `fix_requests`) and never each other, and the bottom layer is stdlib only.

Each package is imported with every one of its modules in a fresh interpreter, so an import
done by an earlier test cannot hide one. A function-local import runs only when its function
does, so the import statements of every module are also read from the source.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "layerlint"

_LOADED = """
import importlib, json, pkgutil, sys
root = importlib.import_module({name!r})
for info in pkgutil.walk_packages(getattr(root, "__path__", []), root.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(name: str) -> list[str]:
    """Every module in `sys.modules` after importing `name` and all its submodules."""
    result = subprocess.run(
        [sys.executable, "-c", _LOADED.format(name=name)], capture_output=True, text=True,
        check=True, env={"PYTHONPATH": str(PACKAGE.parent), "PATH": ""},
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("package, forbidden", [
    ("layerlint.analysis", "layerlint.fixes"),
    ("layerlint.fixes", "layerlint.analysis"),
])
def test_analysis_and_fixes_never_load_each_other(package: str, forbidden: str) -> None:
    loaded = loaded_modules(package)
    assert package in loaded
    assert not [name for name in loaded if name == forbidden or name.startswith(forbidden + ".")]


@pytest.mark.parametrize("package", ["layerlint.syntax", "layerlint.fix_requests"])
def test_the_bottom_layer_is_stdlib_only(package: str) -> None:
    loaded = loaded_modules(package)
    outside = sorted({
        name for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in ("layerlint", "__main__", "_distutils_hack")
    })
    assert outside == []
    ours = {name for name in loaded if name.startswith("layerlint.")}
    assert ours <= {"layerlint.fix_requests"} | {
        name for name in ours if name == "layerlint.syntax" or name.startswith("layerlint.syntax.")
    }


def _imported_names(path: Path) -> set[str]:
    """Every module an import statement in `path` names, function-local imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("package, forbidden", [
    ("analysis", "layerlint.fixes"),
    ("fixes", "layerlint.analysis"),
    ("syntax", "layerlint.analysis"),
    ("syntax", "layerlint.fixes"),
])
def test_no_import_statement_crosses_over(package: str, forbidden: str) -> None:
    crossing = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in _imported_names(path)
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert crossing == []
