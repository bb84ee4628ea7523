"""The effective settings of one document: its folder's pyproject, then the editor's.

`[tool.layerlint]` of the nearest pyproject.toml is read once per folder and re-read when
that file's modification time changes; the editor's `layerlint` settings (kept in the
session by `settings.py`) override it key by key.
"""

from __future__ import annotations

from pathlib import Path

from layerlint.config import Settings, find_pyproject, load_settings, settings_from_mapping
from layerlint.lsp.session import FolderSettings, LayerlintServer


def settings_for(ls: LayerlintServer, path: str | None) -> Settings:
    """Settings for a document at `path` (None for an untitled one: the workspace root's)."""
    folder = _folder_of(ls, path)
    base = _pyproject_settings(ls, folder) if folder is not None else Settings()
    editor = ls.state.editor_settings
    return settings_from_mapping(editor, base) if editor else base


def _folder_of(ls: LayerlintServer, path: str | None) -> Path | None:
    if path:
        return Path(path).parent
    root = ls.workspace.root_path
    return Path(root) if root else None


def _pyproject_settings(ls: LayerlintServer, folder: Path) -> Settings:
    cached = ls.state.folder_settings.get(folder)
    if cached is not None and _mtime(cached.pyproject) == cached.mtime:
        return cached.settings
    pyproject = find_pyproject(folder) if folder.is_dir() else None
    settings = load_settings(folder) if pyproject is not None else Settings()
    ls.state.folder_settings[folder] = FolderSettings(pyproject, _mtime(pyproject), settings)
    return settings


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None
