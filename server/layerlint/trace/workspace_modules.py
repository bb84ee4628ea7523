"""The workspace modules a traced file imports, to send with it to a kernel that cannot read
our files (a gateway's). Found statically (`ast`, nothing runs): every `import x` / `from x
import y` / `from . import y` that resolves to a `.py` file or a package beside the traced file
(where the probe puts the file's folder on `sys.path`), and what those import in turn.
"""

from __future__ import annotations

import ast
from pathlib import Path

MAX_FILES = 200
MAX_BYTES = 8 * 1024 * 1024


def sibling_modules(path: str, source: str) -> dict[str, str]:
    """{path relative to the file's folder: text} of the workspace modules `source` needs."""
    folder = Path(path).resolve().parent
    found: dict[str, str] = {}
    total = 0
    pending = [(Path(path).resolve(), source)]
    while pending:
        file, text = pending.pop()
        for candidate in _imported_files(file, text, folder):
            relative = candidate.relative_to(folder).as_posix()
            if relative in found:
                continue
            try:
                content = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            total += len(content)
            if len(found) >= MAX_FILES or total > MAX_BYTES:
                return found
            found[relative] = content
            pending.append((candidate, content))
    return found


def _imported_files(file: Path, text: str, folder: Path) -> list[Path]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    files: list[Path] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                files.extend(_module_files(folder, alias.name.split(".")))
        elif isinstance(node, ast.ImportFrom):
            base = folder if not node.level else file.parent
            for _ in range(max(node.level - 1, 0)):
                base = base.parent
            parts = node.module.split(".") if node.module else []
            files.extend(_module_files(base, parts))
            for alias in node.names:  # `from pkg import submodule`
                files.extend(_module_files(base, [*parts, alias.name], only_modules=True))
    return [item for item in files if item.is_relative_to(folder)]


def _module_files(base: Path, parts: list[str], only_modules: bool = False) -> list[Path]:
    """The file of a dotted module under `base`, with the `__init__.py` of every package on
    the way (a package's whole folder is sent once its `__init__` is)."""
    files = []
    current = base
    for index, part in enumerate(parts):
        if not part.isidentifier():
            return []
        package = current / part / "__init__.py"
        module = current / f"{part}.py"
        last = index == len(parts) - 1
        if package.is_file():
            files.append(package)
            current = current / part
            if last and not only_modules:
                files.extend(sorted((current).glob("*.py")))
        elif last and module.is_file():
            files.append(module)
        else:
            return [] if only_modules else files
    return files
