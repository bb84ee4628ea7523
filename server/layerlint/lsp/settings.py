"""Settings: `[tool.layerlint]` per folder, overridden by the editor's `layerlint` settings.

Editor settings arrive as `initializationOptions` and with `workspace/didChangeConfiguration`
(pushed in `settings`, or, when a client sends none, pulled with `workspace/configuration`).
The pyproject layer (`folder_settings.py`) is forgotten when the client reports that a
`pyproject.toml` changed on disk. Every change re-publishes all open documents. The same
watcher reports `.py` and `.ipynb` files to the project index (`project_index.py`).

Editor settings are validated when they arrive (`config.validated_overrides`): unknown keys
are ignored (clients keep their own settings in the same section), an invalid value is dropped
with one `window/showMessage` warning naming the key and what is used instead, and the valid
values are kept as typed overrides.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from layerlint.config import validated_overrides
from layerlint.lsp import project_index, publish
from layerlint.lsp.folder_settings import warn_about
from layerlint.lsp.session import LayerlintServer

SECTION = "layerlint"
SOURCE = "editor settings (layerlint)"
_WATCHER_ID = "layerlint-pyproject-watcher"


def register(server: LayerlintServer) -> None:
    server.feature(types.INITIALIZE)(on_initialize)
    server.feature(types.INITIALIZED)(on_initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(on_did_change_configuration)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(on_did_change_watched_files)


def on_initialize(ls: LayerlintServer, params: types.InitializeParams) -> None:
    set_editor_settings(ls, _layerlint_section(params.initialization_options))


def on_initialized(ls: LayerlintServer, params: types.InitializedParams) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if watched and watched.dynamic_registration:
        globs = ("**/pyproject.toml", *project_index.WATCHED_GLOBS)
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in globs]
        )
        ls.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=_WATCHER_ID,
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )


async def on_did_change_configuration(
    ls: LayerlintServer, params: types.DidChangeConfigurationParams
) -> None:
    raw = _layerlint_section(params.settings) if params.settings else None
    if raw is None and _client_offers_configuration(ls):
        # Clients using the pull model send an empty notification; ask for the section.
        answer = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
        raw = answer[0] if answer and isinstance(answer[0], dict) else {}
    set_editor_settings(ls, raw or {})
    settings_changed(ls)


def on_did_change_watched_files(
    ls: LayerlintServer, params: types.DidChangeWatchedFilesParams
) -> None:
    if any(change.uri.endswith("pyproject.toml") for change in params.changes):
        ls.state.folder_settings.clear()
        ls.state.settings_warnings_shown.clear()
        settings_changed(ls)
    project_index.files_changed(ls, [change.uri for change in params.changes])


def set_editor_settings(ls: LayerlintServer, raw: dict[str, Any]) -> None:
    """Keep the valid editor settings; warn once about the invalid ones."""
    overrides, problems = validated_overrides(raw, SOURCE)
    ls.state.editor_settings = overrides
    warn_about(ls, problems, "the pyproject.toml value")


def settings_changed(ls: LayerlintServer) -> None:
    """Forget every result computed under the old settings and show the new ones."""
    ls.state.settings_generation += 1
    publish.refresh_all(ls)


def _layerlint_section(raw: Any) -> dict[str, Any]:
    """Accept both `{"layerlint": {...}}` and the section itself."""
    if not isinstance(raw, dict):
        return {}
    section = raw.get(SECTION)
    return dict(section) if isinstance(section, dict) else dict(raw)


def _client_offers_configuration(ls: LayerlintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)
