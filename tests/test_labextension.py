"""The prebuilt JupyterLab extension: checked in current with its sources, and installed by
the wheel where JupyterLab finds it, so `pip install layerlint` needs no node.

`scripts/build_labextension.sh` rebuilds it; these tests fail while the checked-in build is
older than `jupyterlab-extension/` (or the probe it carries is older than the trace probe).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import labextension_sources
import pytest

BUILT = labextension_sources.BUILT


def test_the_built_labextension_matches_its_sources() -> None:
    stale = sorted(set(labextension_sources.fingerprint().items())
                   ^ set(labextension_sources.recorded().items()))
    assert not stale, "run `bash scripts/build_labextension.sh` and commit the result"
    assert labextension_sources.PROBE_MODULE.read_text(encoding="utf-8") == \
        labextension_sources.probe_module(), "the trace probe changed: rebuild the labextension"


def test_the_built_labextension_is_complete() -> None:
    package = json.loads((BUILT / "package.json").read_text(encoding="utf-8"))
    install = json.loads((BUILT / "install.json").read_text(encoding="utf-8"))
    assert package["name"] == "layerlint"
    assert (BUILT / package["jupyterlab"]["_build"]["load"]).is_file()
    assert install["packageName"] == "layerlint"
    chunks = {path.name for path in (BUILT / "static").glob("*.js")}
    referenced = set(re.findall(r'"(\d+)":"([0-9a-f]+)"', (BUILT / package["jupyterlab"]["_build"]["load"])
                                .read_text(encoding="utf-8")))
    assert {f"{number}.{digest}.js" for number, digest in referenced} <= chunks


def test_the_wheel_installs_the_labextension_where_jupyterlab_lists_it(tmp_path: Path) -> None:
    """The wheel .ci/run built (LAYERLINT_WHEEL, from the sdist), else one built here."""
    pytest.importorskip("jupyterlab")
    wheel = Path(os.environ["LAYERLINT_WHEEL"]) if os.environ.get("LAYERLINT_WHEEL") else None
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "--no-build-isolation", "-w", str(tmp_path), str(labextension_sources.ROOT)],
                       check=True, timeout=300)
        [wheel] = tmp_path.glob("layerlint-*.whl")
    prefix = "layerlint-0.1.0.data/data/share/jupyter/"
    with zipfile.ZipFile(wheel) as archive:
        shipped = [name for name in archive.namelist() if name.startswith(prefix)]
        archive.extractall(tmp_path / "unpacked", members=shipped)
    built = {path.relative_to(BUILT).as_posix() for path in BUILT.rglob("*")
             if path.is_file() and path.name != "sources.json"}
    assert {name[len(prefix + "labextensions/layerlint/"):] for name in shipped} == built
    listing = subprocess.run(
        [sys.executable, "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True,
        env={**os.environ, "JUPYTER_PATH": str(tmp_path / "unpacked" / prefix)}, timeout=120,
        check=False,
    )
    line = next(line for line in (listing.stdout + listing.stderr).splitlines() if "layerlint v" in line)
    assert re.search(r"layerlint v0\.1\.0 \S*enabled\S* \S*OK\S* \(python, layerlint\)", line), line
