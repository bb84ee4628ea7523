"""scripts/bundle_vscode.py: its pins, its target table, and the release workflow built on it."""

from __future__ import annotations

from pathlib import Path

import bundle_vscode
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"


def test_pinned_version_reads_the_hash_checked_pin() -> None:
    assert bundle_vscode.pinned_version(bundle_vscode.SOURCES / "native.txt", "libcst") == "1.9.0"
    with pytest.raises(ValueError, match="numpy is not pinned"):
        bundle_vscode.pinned_version(bundle_vscode.SOURCES / "native.txt", "numpy")


def test_every_pin_is_hash_checked() -> None:
    for name in ("requirements.txt", "native.txt"):
        text = (bundle_vscode.SOURCES / name).read_text()
        pins = [line for line in text.splitlines() if "==" in line and not line.startswith((" ", "#"))]
        assert pins, name
        for pin in pins:
            block = text[text.index(pin):].split("\n\n")[0]
            assert "--hash=sha256:" in block, f"{pin} in {name} has no hash"


def test_unknown_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown target 'linux-armhf'"):
        bundle_vscode.lay_out("linux-armhf", None, tmp_path / "bundled")
    assert not (tmp_path / "bundled").exists()


def test_release_builds_one_vsix_per_native_platform_plus_universal() -> None:
    workflow = yaml.safe_load(RELEASE.read_text())
    targets = workflow["jobs"]["vsix"]["strategy"]["matrix"]["target"]
    assert sorted(targets) == sorted(["universal", *bundle_vscode.NATIVE_PLATFORMS])


def test_release_publishes_only_from_a_tag_with_trusted_publishing() -> None:
    workflow = yaml.safe_load(RELEASE.read_text())
    jobs = workflow["jobs"]
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    for name in ("publish-pypi", "publish-vscode"):
        assert jobs[name]["if"] == "startsWith(github.ref, 'refs/tags/v')", name
    pypi = jobs["publish-pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for step in pypi["steps"])
    assert not any("password" in (step.get("with") or {}) for step in pypi["steps"])
    assert workflow["permissions"] == {"contents": "read"}
    script = "\n".join(step.get("run", "") for step in jobs["publish-vscode"]["steps"])
    assert "vsce publish" in script and "ovsx" in script and "publish" in script
