"""The checked-in shape records equal what the generator measures from the installed frameworks.

All record files whose framework is installed at the recorded version are regenerated in one
subprocess (`scripts/generate_catalog.py --shape-records`); a file recorded from another version
is skipped with the command that regenerates it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_generator import framework_registry
from catalog_generator.shape_records import RECORDS_DIR, describe_record_drift

from layerlint.analysis import catalog

pytestmark = pytest.mark.framework

ROOT = Path(__file__).resolve().parents[3]
GENERATOR = ROOT / "scripts" / "generate_catalog.py"
RECORD_FILES = sorted((Path(catalog.__file__).parent / RECORDS_DIR).glob("*.json"))


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def why_not_regenerable(path: Path) -> str | None:
    data = read(path)
    framework, version = data["framework"], data["version"]
    installed = framework_registry.installed_version(framework)
    if installed != version:
        return (
            f"{path.name} was recorded from {framework} {version}, but {installed or 'nothing'} is "
            f"installed; regenerate it with `python scripts/generate_catalog.py --shape-records "
            f"--framework {framework}` where {framework}=={version} is installed"
        )
    return None


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("records")
    frameworks = [read(path)["framework"] for path in RECORD_FILES if why_not_regenerable(path) is None]
    if frameworks:
        arguments = [argument for name in frameworks for argument in ("--framework", name)]
        command = [sys.executable, str(GENERATOR), "--shape-records", *arguments, "--output-dir", str(output)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"generator failed:\n{result.stdout}\n{result.stderr[-3000:]}"
    return output / RECORDS_DIR


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda path: path.name)
def test_shape_records_match_installed_framework(path, regenerated):
    reason = why_not_regenerable(path)
    if reason:
        pytest.skip(reason)
    fresh = regenerated / path.name
    assert fresh.is_file(), f"the generator wrote no {path.name}"
    problems = describe_record_drift(read(path), read(fresh))
    framework = read(path)["framework"]
    assert not problems, (
        f"{path.name} no longer matches the installed framework; regenerate it with "
        f"`.venv/bin/python scripts/generate_catalog.py --shape-records --framework {framework}`, "
        "review the diff, and fix the rules the records test then flags. Differences:\n  "
        + "\n  ".join(problems[:40])
    )
