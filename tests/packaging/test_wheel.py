"""The built wheel, installed into a fresh virtual environment the way a user installs it,
checks the example from the command line and answers an LSP initialize as `layerlint serve`."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from fresh_env import EXAMPLE, ROOT, clean_env, fresh_venv, venv_python, venv_script
from stdio_lsp import StdioSession

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def installed(layerlint_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel-venv")
    python = fresh_venv(folder, with_pip=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(layerlint_wheel)], check=True, env=clean_env())
    return folder


def test_wheel_carries_the_package_data(layerlint_wheel: Path) -> None:
    names = zipfile.ZipFile(layerlint_wheel).namelist()
    assert any(name.startswith("layerlint/analysis/catalog/") and name.endswith(".json")
               for name in names), "the layer catalog is missing from the wheel"
    assert "layerlint/py.typed" in names
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(layerlint_wheel).read(entry_points).decode()
    assert "layerlint = layerlint.cli:main" in text
    assert "jupyter_lsp_spec_v1" in text and "pylsp" in text


def test_installed_cli_reports_ll101_on_the_example(installed: Path, tmp_path: Path) -> None:
    # Run from elsewhere so nothing of the checkout can be imported by accident.
    result = subprocess.run(
        [str(venv_script(installed, "layerlint")), "check", str(EXAMPLE), "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, env=clean_env(), check=False)
    assert result.returncode == 1, result.stderr
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert "LL101" in codes
    where = subprocess.run([str(venv_python(installed)), "-c",
                            "import layerlint; print(layerlint.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=clean_env(), check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


def test_installed_server_answers_initialize_and_diagnoses(installed: Path, tmp_path: Path) -> None:
    session = StdioSession([str(venv_script(installed, "layerlint")), "serve"], cwd=tmp_path,
                           env=clean_env())
    try:
        result = session.initialize(tmp_path)
        assert result["serverInfo"]["name"] == "layerlint"
        assert result["capabilities"]["codeActionProvider"]
        uri = EXAMPLE.as_uri()
        session.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": EXAMPLE.read_text()}})
        published = session.wait_for(
            lambda message: message.get("method") == "textDocument/publishDiagnostics"
            and message["params"]["uri"] == uri and message["params"]["diagnostics"])
        assert "LL101" in {item["code"] for item in published["params"]["diagnostics"]}
    finally:
        assert session.close() == 0, session.stderr_text()
