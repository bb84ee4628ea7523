"""The checked-in catalog equals what the generator measures from the installed frameworks.

All files whose framework is installed at the recorded version are regenerated in one
subprocess (TensorFlow is imported once); a file recorded from another version is skipped with
the command that regenerates it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_generator import catalog_files, framework_registry

from layerlint.analysis import catalog

pytestmark = pytest.mark.framework

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "scripts"
GENERATOR = SCRIPTS / "generate_catalog.py"
CATALOG_DIR = Path(catalog.__file__).parent
CATALOG_FILES = sorted(CATALOG_DIR.glob("*.json"))






def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def generator_arguments(path: Path) -> list[str]:
    data = read(path)
    arguments = ["--framework", data["framework"]]
    if path.name != f"{data['framework']}.json":
        arguments.append("--versioned")
    if "backend" in data:
        arguments += ["--keras-backend", data["backend"]]
    return arguments


def why_not_regenerable(path: Path) -> str | None:
    """None when this machine can regenerate `path`; otherwise the reason to skip."""
    data = read(path)
    framework, version = data["framework"], data["version"]
    installed = framework_registry.installed_version(framework)
    command = f"python scripts/generate_catalog.py {' '.join(generator_arguments(path))}"
    if installed != version:
        return (
            f"{path.name} was generated from {framework} {version}, but {installed or 'nothing'} "
            f"is installed; to check it, install {framework}=={version} in a separate virtual "
            f"environment and run `{command} --check` there"
        )
    backend = data.get("backend")
    if backend and importlib.util.find_spec(backend) is None:
        return f"{path.name} was generated on the {backend} Keras backend, which is not installed"
    return None


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """Regenerate every regenerable file; main files share one process, versioned ones get theirs."""
    output = tmp_path_factory.mktemp("catalog")
    groups: dict[tuple[str, ...], list[str]] = {}
    for path in CATALOG_FILES:
        if why_not_regenerable(path) is None:
            arguments = generator_arguments(path)
            options = tuple(arguments[2:])
            groups.setdefault(options, []).extend(arguments[:2])
    for options, frameworks in groups.items():
        command = [sys.executable, str(GENERATOR), *frameworks, *options, "--output-dir", str(output)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"generator failed:\n{result.stdout}\n{result.stderr[-3000:]}"
    return output


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.name)
def test_catalog_matches_installed_framework(path, regenerated):
    reason = why_not_regenerable(path)
    if reason:
        pytest.skip(reason)
    fresh = regenerated / path.name
    assert fresh.is_file(), f"the generator wrote no {path.name}"
    problems = catalog_files.describe_drift(read(path), read(fresh))
    command = f".venv/bin/python scripts/generate_catalog.py {' '.join(generator_arguments(path))}"
    assert not problems, (
        f"{path.name} no longer matches the installed framework; regenerate it with `{command}` "
        "and review the diff. Differences:\n  " + "\n  ".join(problems)
    )
