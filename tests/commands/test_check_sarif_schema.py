"""`--format sarif` is valid SARIF 2.1.0: validated with `jsonschema` against the OASIS schema
as Microsoft's SARIF SDK ships it (npm package @microsoft/jest-sarif, lib/schemas), fetched
with `npm pack` into .ci-cache/ once, never typed by hand."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from layerlint.cli import main

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SCHEMA = ROOT / ".ci-cache" / "sarif-schema" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    if not SCHEMA.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is needed once to fetch the SARIF 2.1.0 schema")
        SCHEMA.parent.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run([npm, "pack", PACKAGE, "--pack-destination", str(SCHEMA.parent)],
                                capture_output=True, text=True, timeout=300)
        if packed.returncode != 0:
            pytest.skip(f"npm pack {PACKAGE} failed: {packed.stderr.strip()[-300:]}")
        archive = SCHEMA.parent / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            SCHEMA.write_bytes(tar.extractfile(MEMBER).read())
        archive.unlink()
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(sarif_schema, tmp_path, capsys):
    import jsonschema

    notebook = tmp_path / "model.ipynb"
    source = (ROOT / "examples" / "feature_extractor.py").read_text()
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source,
                                               "metadata": {}, "outputs": [],
                                               "execution_count": None}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    code = main(["check", "--format", "sarif", str(ROOT / "tests" / "fixtures"), str(notebook)])
    log = json.loads(capsys.readouterr().out)
    assert code == 1
    assert len(log["runs"][0]["results"]) > 20
    assert "2.1.0" in sarif_schema["title"]
    jsonschema.validate(log, sarif_schema, cls=jsonschema.Draft4Validator)


def test_the_validation_catches_an_invalid_log(sarif_schema):
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, sarif_schema,
                            cls=jsonschema.Draft4Validator)
