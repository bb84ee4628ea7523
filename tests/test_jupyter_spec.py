"""The jupyter-lsp spec (layerlint/jupyter_spec.py): its shape, jupyter-lsp's own schema and
discovery, and the mapping from a JupyterLab virtual document to its notebook."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import PurePosixPath

import pytest

from layerlint.jupyter_spec import SERVER_KEY, language_server_spec, notebook_path

ENTRY_POINT = "layerlint.jupyter_spec:language_server_spec"
ENTRY_POINT_INSTALLED = any(
    entry.value == ENTRY_POINT for entry in entry_points(group="jupyter_lsp_spec_v1")
)
needs_entry_point = pytest.mark.skipif(
    not ENTRY_POINT_INSTALLED,
    reason=f"the `jupyter_lsp_spec_v1` entry point `layerlint = {ENTRY_POINT}` is not installed "
    "(pyproject.toml [project.entry-points.jupyter_lsp_spec_v1]; reinstall after adding it)",
)


def test_spec_shape() -> None:
    specs = language_server_spec(None)

    assert list(specs) == [SERVER_KEY]
    spec = specs[SERVER_KEY]
    assert spec["version"] == 2
    assert spec["argv"] == [sys.executable, "-m", "layerlint", "serve"]
    assert spec["languages"] == ["python"]
    assert {"text/python", "text/x-ipython", "text/x-python"} <= set(spec["mime_types"])
    assert spec["requires_documents_on_disk"] is False
    assert spec["display_name"] == "layerlint"
    assert spec["install"]["pip"].startswith("pip install layerlint")
    assert "priority" in spec["troubleshoot"] and sys.executable in spec["troubleshoot"]


def test_spec_argv_starts_a_working_cli() -> None:
    argv = language_server_spec(None)[SERVER_KEY]["argv"]
    result = subprocess.run(
        [*argv, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--tcp" in result.stdout


def test_spec_validates_against_jupyter_lsp_schema() -> None:
    schema = pytest.importorskip("jupyter_lsp.schema", reason="jupyter-lsp is not installed")

    specs = language_server_spec(None)

    assert list(schema.LANGUAGE_SERVER_SPEC_MAP.iter_errors(specs)) == []
    assert specs[SERVER_KEY]["version"] == schema.SPEC_VERSION


def test_server_key_loses_ties_to_python_lsp_server() -> None:
    # JupyterLab breaks a tie between equally ranked servers by key order (measured with
    # JupyterLab 4.6 and jupyterlab-lsp 5.3): sorting after pylsp (and the other Python
    # servers jupyter-lsp knows) keeps the user's server, which shows our findings through the
    # pylsp plugin, unless the user ranks ours higher.
    for other in ("pylsp", "pyright", "pyrefly", "jedi-language-server", "basedpyright"):
        assert sorted([SERVER_KEY, other]) == [other, SERVER_KEY]


@needs_entry_point
def test_jupyter_lsp_discovers_the_installed_entry_point() -> None:
    manager_module = pytest.importorskip("jupyter_lsp.manager", reason="jupyter-lsp is not installed")
    manager = manager_module.LanguageServerManager()

    manager.init_language_servers()

    spec = manager.language_servers[SERVER_KEY]
    assert spec == language_server_spec(None)[SERVER_KEY]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/me/.virtual_documents/model.ipynb", "/home/me/model.ipynb"),
        ("/home/me/.virtual_documents/sub/dir/model.ipynb", "/home/me/sub/dir/model.ipynb"),
        ("/home/me/model.py", "/home/me/model.py"),
        ("/a/.virtual_documents/b/.virtual_documents/c.ipynb", "/a/.virtual_documents/b/c.ipynb"),
    ],
)
def test_notebook_path_of_a_virtual_document(path: str, expected: str) -> None:
    assert PurePosixPath(notebook_path(path)) == PurePosixPath(expected)

