"""The hooks in `.pre-commit-hooks.yaml`, run by the real `pre-commit` on a temporary git
repository: `pre-commit try-repo` installs this checkout (its working tree, uncommitted changes
included) into a fresh environment the way a user's `repo:` entry would, with packages from
PyPI only."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "feature_extractor.py"
REGISTER = ROOT / "tests" / "fixtures" / "custom" / "b_ll207_subclassed_model_saved.py"

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs git and a git checkout of layerlint",
)


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    pytest.importorskip("pre_commit")
    repo = tmp_path_factory.mktemp("user_repo")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(EXAMPLE, repo / "model.py")
    shutil.copy(REGISTER, repo / "forecaster.py")
    (repo / "clean.py").write_text("import keras\n\nx = keras.layers.Dense(3)\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    return repo


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One pre-commit home for both tests: the hook environment is installed once."""
    return tmp_path_factory.mktemp("pre_commit_home")


def try_repo(repo: Path, hook: str, *files: str, home: Path) -> subprocess.CompletedProcess:
    env = {"PRE_COMMIT_HOME": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "LAYERLINT_CACHE_DIR": str(home / "layerlint-cache")}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--files", *files],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_layerlint_hook_fails_on_a_finding_and_passes_clean_files(repository, home):
    failing = try_repo(repository, "layerlint", "model.py", "clean.py", home=home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "model.py:21:26: LL101 [error]" in failing.stdout
    passing = try_repo(repository, "layerlint", "clean.py", home=home)
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_layerlint_fix_hook_applies_safe_fixes(repository, home):
    before = (repository / "model.py").read_text()
    run = try_repo(repository, "layerlint-fix", "forecaster.py", "model.py", home=home)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "files were modified by this hook" in run.stdout
    assert "@keras.saving.register_keras_serializable()\nclass Forecaster" in (
        repository / "forecaster.py").read_text()
    assert (repository / "model.py").read_text() == before  # the split is an unsafe fix
    assert "LL101 [error]" in run.stdout
