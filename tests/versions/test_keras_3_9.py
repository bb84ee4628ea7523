"""LL205 under a real Keras 3.9.2: the skipped build() it reports happens, and its fix works.

scripts/keras_versions_env.sh creates (once, cached outside the repository) a virtual environment
with keras==3.9.2 on the torch backend. In ONE subprocess of that environment the harness worker
(tests/framework_runner.py) runs every LL205 fixture and every fixed program. Shown here:
- the fixtures written for 3.9.2 crash there as they say (their subclass's build() never runs);
- after the quick-fix (`self.built = False` at the end of __init__) build() runs and creates the
  weight;
- the fixtures written for the installed Keras (Reshape, 3.12+) run cleanly under 3.9.2;
- the analysis itself, run inside that environment with default settings, reads Keras 3.9.2
  from the package metadata (without importing Keras) and reports exactly the 3.9 fixtures.
The mirror image (installed Keras: the 3.9 fixtures run cleanly and are not reported) is in
tests/analysis/rules/test_ll205_stateless_subclass_build_skipped.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from analysis.rules.ground_truth import (
    FIXED_PREFIX,
    fixed_problem,
    fixed_source,
    fixtures_for,
    ids,
    keras_version_of,
    unaffected_problem,
    verdict_problem,
)
from framework_runner import RunOutcome

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.framework

KERAS_VERSION = "3.9.2"
SETUP_TIMEOUT = 600
RUN_TIMEOUT = 300
# tf_keras is not installed in the 3.9 environment; its fixture is about tf-keras anyway.
FIXTURES = [f for f in fixtures_for("LL205") if "tf_keras" not in f.source]
WRITTEN_FOR_3_9 = [f for f in FIXTURES if keras_version_of(f) == KERAS_VERSION]
WRITTEN_FOR_OTHERS = [f for f in FIXTURES if keras_version_of(f) != KERAS_VERSION]
FIXED_3_9 = [f for f in WRITTEN_FOR_3_9 if f.fixes]
VERSION_PROBE = '''
import keras


def run() -> dict:
    major, minor, patch = (int(part) for part in keras.__version__.split(".")[:3])
    return {"version": major * 10000 + minor * 100 + patch,
            "torch_backend": float(keras.backend.backend() == "torch")}
'''


@pytest.fixture(scope="module")
def keras39_python() -> Path:
    completed = subprocess.run(
        ["bash", str(ROOT / "scripts" / "keras_versions_env.sh"), KERAS_VERSION],
        capture_output=True, text=True, timeout=SETUP_TIMEOUT,
        env={**os.environ, "PYTHON": sys.executable}, check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"could not create the Keras {KERAS_VERSION} environment:\n{completed.stderr[-3000:]}")
    return Path(completed.stdout.strip().splitlines()[-1]) / "bin" / "python"


@pytest.fixture(scope="module")
def outcomes(keras39_python: Path) -> dict[str, RunOutcome]:
    """Every fixture, every fixed 3.9 program and the version probe: one subprocess."""
    programs = [{"name": "version probe", "source": VERSION_PROBE, "filename": "<probe>"}]
    programs += [{"name": f.name, "source": f.source, "filename": str(f.path)} for f in FIXTURES]
    for fixture in FIXED_3_9:
        source, problem = fixed_source(fixture)
        assert problem is None, f"{fixture.name}: {problem}"
        programs.append({"name": FIXED_PREFIX + fixture.name, "source": source,
                         "filename": f"<fixed {fixture.name}>"})
    with tempfile.TemporaryDirectory(prefix="layerlint-keras39-") as folder:
        request, response = Path(folder) / "request.json", Path(folder) / "response.json"
        request.write_text(json.dumps(programs), encoding="utf-8")
        completed = subprocess.run(
            [str(keras39_python), str(ROOT / "tests" / "framework_runner.py"), "--worker",
             "tensorflow", str(request), str(response)],  # "tensorflow" = the Keras worker
            capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
            env={**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""},
        )
        if not response.exists():
            pytest.fail(f"the Keras {KERAS_VERSION} worker produced nothing:\n{completed.stderr[-3000:]}")
        results = json.loads(response.read_text(encoding="utf-8"))
    return {item["name"]: RunOutcome(
        name=item["name"], crashed=item["crashed"], phase=item.get("phase"),
        error_type=item.get("error_type"), error_message=item.get("error_message"),
        facts=dict(item.get("facts", {})),
    ) for item in results}


def test_environment_runs_the_real_keras_3_9_2_on_torch(outcomes):
    probe = outcomes["version probe"]
    assert not probe.crashed, probe.error_message
    assert probe.facts == {"version": 30902.0, "torch_backend": 1.0}


@pytest.mark.parametrize("fixture", WRITTEN_FOR_3_9, ids=ids(WRITTEN_FOR_3_9))
def test_keras_3_9_does_what_the_fixture_says(fixture, outcomes):
    outcome = outcomes.get(fixture.name)
    assert verdict_problem(fixture, outcome) is None, verdict_problem(fixture, outcome)


@pytest.mark.parametrize("fixture", FIXED_3_9, ids=ids(FIXED_3_9))
def test_fixed_subclass_has_build_called_under_keras_3_9(fixture, outcomes):
    outcome = outcomes.get(FIXED_PREFIX + fixture.name)
    assert fixed_problem(fixture, outcome) is None, fixed_problem(fixture, outcome)
    assert outcome.facts.get("weights", 0) >= 1, f"build() created no weight: {outcome.facts}"


@pytest.mark.parametrize("fixture", WRITTEN_FOR_OTHERS, ids=ids(WRITTEN_FOR_OTHERS))
def test_fixtures_for_other_releases_run_cleanly_under_keras_3_9(fixture, outcomes):
    assert unaffected_problem(outcomes.get(fixture.name)) is None


def test_analysis_in_the_3_9_environment_reads_the_version_without_importing_keras(keras39_python):
    """The project's interpreter (the `python` setting) is that environment: the Keras version
    comes from its package metadata, without importing keras. (The Keras installed beside
    layerlint itself is not evidence about the project; see `analysis/keras_target.py`.)"""
    script = (
        "import json, sys\n"
        "from layerlint.analysis import analyse\n"
        "from layerlint.analysis.environment import keras_version\n"
        "from layerlint.config import Settings\n"
        "settings = Settings(python=sys.executable)\n"
        "found = {path: sorted((f.span.line, f.code, f.severity.value)\n"
        "                      for f in analyse(open(path).read(), path=path,\n"
        "                                       settings=settings).findings\n"
        "                      if f.code == 'LL205') for path in sys.argv[1:]}\n"
        "print(json.dumps({'version': keras_version(), 'found': found,\n"
        "                  'imported': sorted(m for m in ('keras', 'torch', 'tensorflow')\n"
        "                                     if m in sys.modules)}))\n"
    )
    paths = [str(fixture.path) for fixture in FIXTURES]
    completed = subprocess.run(
        [str(keras39_python), "-c", script, *paths], capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    assert report["version"] == KERAS_VERSION and report["imported"] == []
    for fixture in FIXTURES:
        expected = sorted([e.line, e.code, e.severity] for e in fixture.expectations)
        if keras_version_of(fixture) != KERAS_VERSION:
            expected = []
        assert report["found"][str(fixture.path)] == expected, fixture.name
