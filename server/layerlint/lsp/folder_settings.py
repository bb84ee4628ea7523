"""The effective settings of one document: its folder's pyproject, then the editor's.

`[tool.layerlint]` of the nearest pyproject.toml is read once per folder and re-read when
that file's modification time changes; the editor's `layerlint` settings (validated and kept
in the session by `settings.py`) override it key by key. An invalid pyproject value, or a
pyproject that is not valid TOML, never stops the analysis: the default is used instead and
one `window/showMessage` warning names the file, the key and that default.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from layerlint.config import (
    Settings,
    SettingsProblem,
    apply_overrides,
    find_pyproject,
    read_pyproject,
)
from layerlint.lsp.session import FolderSettings, LayerlintServer


def settings_for(ls: LayerlintServer, path: str | None) -> Settings:
    """Settings for a document at `path` (None for an untitled one: the workspace root's)."""
    folder = _folder_of(ls, path)
    base = _pyproject_settings(ls, folder) if folder is not None else Settings()
    return apply_overrides(base, ls.state.editor_settings)


def warn_about(ls: LayerlintServer, problems: list[SettingsProblem], layer_below: str = "") -> None:
    """One warning per new set of problems, saying what is used instead of each bad value:
    the layer below (`layer_below`, e.g. the pyproject.toml value), else the default."""
    if not problems:
        return
    lines = []
    for problem in problems:
        default = problem.fallback or "the defaults"
        instead = f"{layer_below}, else {default}" if layer_below else default
        lines.append(f"{problem.message()} (using {instead} instead)")
    message = "layerlint: invalid settings ignored:\n" + "\n".join(lines)
    if message in ls.state.settings_warnings_shown:
        return
    ls.state.settings_warnings_shown.add(message)
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=message))
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))


def _folder_of(ls: LayerlintServer, path: str | None) -> Path | None:
    if path:
        return Path(path).parent
    root = ls.workspace.root_path
    return Path(root) if root else None


def _pyproject_settings(ls: LayerlintServer, folder: Path) -> Settings:
    cached = ls.state.folder_settings.get(folder)
    if cached is not None and _mtime(cached.pyproject) == cached.mtime:
        return cached.settings
    pyproject = find_pyproject(folder) if _is_dir(folder) else None
    settings, problems = read_pyproject(pyproject) if pyproject is not None else (Settings(), [])
    ls.state.folder_settings[folder] = FolderSettings(pyproject, _mtime(pyproject), settings)
    warn_about(ls, problems)
    return settings


def _is_dir(folder: Path) -> bool:
    try:
        return folder.is_dir()
    except OSError:  # a path too long or otherwise unusable for this file system
        return False


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None
