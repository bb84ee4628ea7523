"""scripts/gpu_check.sh measures the GPU path on a GPU machine; without a GPU it must say so
and exit 3 (nothing measured), never report figures. Tested here with an `nvidia-smi` that
sees no GPU, so the outcome does not depend on the machine running the tests."""

from __future__ import annotations

import os
import subprocess

from trace_test_support import ROOT

SCRIPT = ROOT / "scripts" / "gpu_check.sh"


def test_without_a_gpu_the_script_says_so_and_measures_nothing(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    smi = fake / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'No devices were found' >&2\nexit 6\n")
    smi.chmod(0o755)
    out = tmp_path / "out"
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True,
                          env=env, timeout=60)

    assert done.returncode == 3
    assert "no NVIDIA GPU on this machine" in done.stderr and "nothing was measured" in done.stderr
    assert not (out / "gpu_check.json").exists()
