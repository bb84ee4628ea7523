"""A real Jupyter server (or JupyterLab) for a test: private folders, a free port, no token.

Everything Jupyter reads or writes lives under one temporary folder (config, data, runtime,
JupyterLab user settings and workspaces), so a test never sees the user's setup and JupyterLab
restores no earlier tabs. `--ServerApp.port_retries=0` makes a taken port an error instead
of a silent move to another one. The server runs in its own process group, which is ended
as a whole, so the language servers jupyter-lsp started go with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_path

from layerlint.jupyter_spec import language_server_spec

READY_TIMEOUT = 90.0
BUILT_LABEXTENSION = Path(__file__).resolve().parents[2] / "server" / "layerlint" / "labextension"
SPEC_ENTRY_POINT = "layerlint.jupyter_spec:language_server_spec"


@dataclass(frozen=True)
class JupyterServer:
    url: str
    """http://127.0.0.1:PORT, without a trailing slash."""
    root: Path
    log: Path

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http"):]

    def get_json(self, path: str, timeout: float = 20.0) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout) as response:
            return json.load(response)

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-characters:]


def spec_entry_point_installed() -> bool:
    return any(
        entry.value == SPEC_ENTRY_POINT for entry in entry_points(group="jupyter_lsp_spec_v1")
    )


def layerlint_registration() -> dict[str, Any]:
    """Server config registering our spec by hand while the entry point is not installed
    (the manual route docs/jupyter.md describes); nothing once jupyter-lsp finds it itself."""
    if spec_entry_point_installed():
        return {}
    return {"LanguageServerManager": {"language_servers": language_server_spec(None)}}


@contextlib.contextmanager
def running_jupyter(
    app: str,
    root: Path,
    home: Path,
    *,
    server_config: dict[str, Any] | None = None,
    lab_settings: dict[str, dict[str, Any]] | None = None,
) -> Iterator[JupyterServer]:
    """Run `jupyter server` (app="server") or `jupyter lab` (app="lab") serving `root`.

    `lab_settings` maps a JupyterLab plugin id (`@scope/package:plugin`) to its user settings.
    """
    env = _private_environment(home)
    if server_config:
        config_file = Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.json"
        config_file.write_text(json.dumps(server_config), encoding="utf-8")
    for plugin_id, settings in (lab_settings or {}).items():
        package, plugin = plugin_id.split(":")
        target = Path(env["JUPYTERLAB_SETTINGS_DIR"], package, f"{plugin}.jupyterlab-settings")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings), encoding="utf-8")
    if app == "lab":
        _provide_labextension(env)
    port = _free_port()
    module = {"server": "jupyter_server", "lab": "jupyterlab"}[app]
    command = [
        sys.executable, "-m", module, "--no-browser", "--IdentityProvider.token=",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # Jupyter refuses to run as root without it (CI, containers)
    log = home / f"jupyter-{app}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = JupyterServer(url=f"http://127.0.0.1:{port}", root=root, log=log)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        _stop(process)


def labextension_installed() -> bool:
    """Whether a wheel install put layerlint's labextension where JupyterLab looks."""
    return any(Path(folder, "layerlint", "package.json").is_file()
               for folder in jupyter_path("labextensions"))


def _provide_labextension(env: dict[str, str]) -> None:
    """Copy the checked-in labextension into the private data folder when layerlint is
    installed without its data files (an editable install), as the wheel would install it."""
    if labextension_installed():
        return
    shutil.copytree(BUILT_LABEXTENSION, Path(env["JUPYTER_DATA_DIR"], "labextensions", "layerlint"),
                    ignore=shutil.ignore_patterns("sources.json"), dirs_exist_ok=True)


def _private_environment(home: Path) -> dict[str, str]:
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "config" / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{name: str(folder) for name, folder in folders.items()}}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(server: JupyterServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Jupyter exited with {process.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            server.get_json("/api/status", timeout=2.0)
            return
        time.sleep(0.25)
    raise RuntimeError(f"Jupyter not ready after {READY_TIMEOUT} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """End the server's process group: the server, its kernels and its language servers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Children that outlived the server (a language server mid-start) share its group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
