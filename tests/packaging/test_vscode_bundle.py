"""The VS Code extension's bundle (scripts/bundle_vscode.py) run by a Python that has neither
layerlint nor pygls: diagnostics and quick fixes from the bundle alone, a clear message for
fixes where the bundle has no libcst, nothing written into the interpreter's environment."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fresh_env import EXAMPLE, ROOT, clean_env, fresh_venv
from packaging.requirements import Requirement
from stdio_lsp import StdioSession

import layerlint

pytestmark = pytest.mark.packaging

CAPABILITIES = {
    "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}},
    "workspace": {"workspaceEdit": {"documentChanges": True}},
}


@pytest.fixture(scope="module")
def bundle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bundled/` as .ci/run laid it out (LAYERLINT_BUNDLE), else a fresh one."""
    named = os.environ.get("LAYERLINT_BUNDLE")
    if named:
        return Path(named).resolve()
    layerlint_wheel = request.getfixturevalue("layerlint_wheel")
    out = tmp_path_factory.mktemp("bundle") / "bundled"
    linux_x64 = sys.platform == "linux" and platform.machine() == "x86_64"
    target = ["--target", "linux-x64"] if linux_x64 else []
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bundle_vscode.py"), *target,
                    "--wheel", str(layerlint_wheel), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("bare-venv"), with_pip=False)


@pytest.fixture(scope="module")
def universal_bundle(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same bundle without bundled/native: what the universal .vsix carries."""
    out = tmp_path_factory.mktemp("universal") / "bundled"
    shutil.copytree(bundle / "tool", out / "tool")
    shutil.copytree(bundle / "libs", out / "libs")
    return out


def has_native_libcst(bundle: Path) -> bool:
    return (bundle / "native" / f"cp{sys.version_info[0]}{sys.version_info[1]}" / "libcst").is_dir()


def probe(python: Path, bundle: Path, **env: str) -> dict[str, object]:
    result = subprocess.run([str(python), str(bundle / "tool" / "layerlint_vscode.py"), "probe"],
                            capture_output=True, text=True, env=clean_env(**env), check=True)
    return json.loads(result.stdout)


def site_packages(python: Path) -> list[str]:
    code = "import json, os, site; print(json.dumps(sorted(os.listdir(site.getsitepackages()[0]))))"
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                            env=clean_env(), check=True)
    return json.loads(result.stdout)


def test_bare_interpreter_lacks_layerlint_and_pygls(bare_python: Path) -> None:
    code = "import importlib.util as u; print([u.find_spec(n) is None for n in ('layerlint', 'pygls')])"
    result = subprocess.run([str(bare_python), "-c", code], capture_output=True, text=True,
                            env=clean_env(), check=True)
    assert result.stdout.strip() == "[True, True]"


def test_probe_finds_layerlint_in_the_bundle(bare_python: Path, bundle: Path) -> None:
    answer = probe(bare_python, bundle)
    assert answer["supported"] and answer["bundled"] and answer["error"] is None
    assert answer["layerlint"] == layerlint.__version__
    assert Path(str(answer["layerlintPath"])).is_relative_to(bundle / "libs")
    if has_native_libcst(bundle):
        assert Path(str(answer["libcst"])).is_relative_to(bundle / "native")
    else:
        assert answer["libcst"] is None


def test_from_environment_prefers_the_interpreters_layerlint(bundle: Path) -> None:
    # The test environment has layerlint (editable) and libcst: both win over the bundle.
    answer = probe(Path(sys.executable), bundle, LAYERLINT_IMPORT_STRATEGY="fromEnvironment")
    assert not answer["bundled"]
    assert not Path(str(answer["libcst"])).is_relative_to(bundle)


def open_example(session: StdioSession) -> tuple[str, dict[str, object]]:
    uri = EXAMPLE.as_uri()
    session.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": EXAMPLE.read_text()}})
    published = session.wait_for(
        lambda message: message.get("method") == "textDocument/publishDiagnostics"
        and message["params"]["uri"] == uri
        and any(item["code"] == "LL101" for item in message["params"]["diagnostics"]))
    ll101 = next(item for item in published["params"]["diagnostics"] if item["code"] == "LL101")
    return uri, ll101


def resolve_split(session: StdioSession, uri: str, diagnostic: dict[str, object]) -> dict:
    actions = session.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": diagnostic["range"],
        "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}})
    split = next(action for action in actions if action["title"].startswith("Split bn"))
    return session.request("codeAction/resolve", split)


def serve(python: Path, bundle: Path, cwd: Path) -> StdioSession:
    return StdioSession([str(python), str(bundle / "tool" / "layerlint_vscode.py"), "serve"],
                        cwd=cwd, env=clean_env())


def test_bundled_server_diagnoses_and_fixes(bare_python: Path, bundle: Path, tmp_path: Path) -> None:
    if not has_native_libcst(bundle):
        pytest.skip("this bundle carries no libcst for this platform and Python")
    before = site_packages(bare_python)
    session = serve(bare_python, bundle, tmp_path)
    try:
        assert session.initialize(tmp_path, CAPABILITIES)["serverInfo"]["name"] == "layerlint"
        uri, ll101 = open_example(session)
        resolved = resolve_split(session, uri, ll101)
        new_text = resolved["edit"]["documentChanges"][0]["edits"][0]["newText"]
        assert "self.bn_1(" in new_text and "self.bn_2(" in new_text
    finally:
        assert session.close() == 0, session.stderr_text()
    assert site_packages(bare_python) == before


def test_without_libcst_diagnostics_still_work_and_fixes_say_why(
    bare_python: Path, universal_bundle: Path, tmp_path: Path
) -> None:
    session = serve(bare_python, universal_bundle, tmp_path)
    try:
        session.initialize(tmp_path, CAPABILITIES)
        uri, ll101 = open_example(session)
        resolved = resolve_split(session, uri, ll101)
        assert resolved.get("edit") is None
        shown = session.wait_for(lambda message: message.get("method") == "window/showMessage")
        assert "quick fixes need libcst" in shown["params"]["message"]
        assert f"{bare_python} -m pip install libcst" in shown["params"]["message"]
    finally:
        assert session.close() == 0, session.stderr_text()


def load_launcher() -> ModuleType:
    path = ROOT / "vscode-extension" / "python" / "layerlint_vscode.py"
    spec = importlib.util.spec_from_file_location("layerlint_vscode_launcher", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launcher_says_when_python_is_too_old(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    launcher = load_launcher()
    monkeypatch.setattr(launcher, "MINIMUM", (99, 0))
    assert launcher.probe() == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["supported"] is False and answer["minimum"] == "99.0"
    assert answer["layerlint"] is None  # nothing imported from a Python too old to run it
    assert launcher.serve([]) == 3
    assert "layerlint needs Python 99.0 or newer" in capsys.readouterr().err


def test_bundle_pins_satisfy_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pins = {}
    for name in ("requirements.txt", "native.txt"):
        for line in (ROOT / "vscode-extension" / "python" / name).read_text().splitlines():
            if "==" in line and not line.startswith((" ", "#")):
                package, version = line.split(" ")[0].split("==")
                pins[package.lower().replace("_", "-")] = version
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dependency in map(Requirement, dependencies):
        name = dependency.name.lower()
        assert name in pins, f"{name} is a dependency of layerlint but not in the bundle's pins"
        assert dependency.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {dependency}"
