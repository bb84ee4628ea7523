"""Lays out `bundled/` for the VS Code extension, and optionally packages the .vsix.

Usage:
  python scripts/bundle_vscode.py [--target TARGET] [--wheel layerlint-X-py3-none-any.whl]
                                  [--package OUT.vsix]

- `bundled/tool/layerlint_vscode.py`: the launcher the extension runs (from vscode-extension/python/);
- `bundled/libs`: layerlint (the given wheel, else one built from this checkout) and the pure-Python
  dependencies pinned with hashes in vscode-extension/python/requirements.txt;
- `bundled/native/cpXY` (only with a --target that has libcst wheels): libcst for CPython 3.10 to
  3.14 on that platform, pinned with hashes in vscode-extension/python/native.txt;
- `bundled/manifest.json`: what went in (the extension reads it to explain a missing libcst).

Without --target the package is universal: diagnostics everywhere, quick fixes where the
interpreter's environment has libcst. The Marketplace serves a platform-specific package where
one matches and the universal one elsewhere (darwin-x64, linux-armhf: libcst 1.9.0 has no wheels
for them). --package runs `vsce package [--target TARGET] --out OUT.vsix` afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "vscode-extension" / "python"
BUNDLED = ROOT / "bundled"
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
MINIMUM_PYTHON = PYTHONS[0]

NATIVE_PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-x64": ("manylinux_2_28_x86_64",),
    "linux-arm64": ("manylinux_2_28_aarch64",),
    "alpine-x64": ("musllinux_1_2_x86_64",),
    "alpine-arm64": ("musllinux_1_2_aarch64",),
    "darwin-arm64": ("macosx_11_0_arm64",),
    "win32-x64": ("win_amd64",),
    "win32-arm64": ("win_arm64",),
}
"""VS Code target -> the pip platform tags of its libcst wheels. Release builds one .vsix per
entry (.github/workflows/release.yml) plus the universal one."""


def pip(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def checked_pip(*arguments: str) -> None:
    result = pip(*arguments)
    if result.returncode != 0:
        sys.exit(f"pip {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")


def build_wheel(out: Path) -> Path:
    checked_pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT))
    return next(out.glob("layerlint-*.whl"))


def install_libs(libs: Path, wheel: Path) -> None:
    # Pure-Python wheels only, checked against the hashes, resolved for the oldest Python we
    # support (so a pin that needs a newer Python fails here, not on a user's machine).
    checked_pip("install", "--quiet", "--target", str(libs), "--no-deps", "--no-compile",
                "--implementation", "py", "--python-version", MINIMUM_PYTHON,
                "--only-binary=:all:", "--require-hashes",
                "-r", str(SOURCES / "requirements.txt"))
    checked_pip("install", "--quiet", "--target", str(libs), "--no-deps", "--no-compile",
                str(wheel))
    shutil.rmtree(libs / "bin", ignore_errors=True)  # console scripts: never used from here


def install_native(native: Path, platforms: tuple[str, ...]) -> dict[str, str | None]:
    """libcst per CPython version; the value says why a version has none (None: installed)."""
    outcome: dict[str, str | None] = {}
    for python in PYTHONS:
        tag = "cp" + python.replace(".", "")
        platform_flags = [flag for name in platforms for flag in ("--platform", name)]
        result = pip("install", "--quiet", "--target", str(native / tag), "--no-deps",
                     "--no-compile", "--only-binary=:all:", "--implementation", "cp",
                     "--python-version", python, *platform_flags, "--require-hashes",
                     "-r", str(SOURCES / "native.txt"))
        if result.returncode != 0:
            if "No matching distribution" not in result.stdout + result.stderr:
                sys.exit(f"installing libcst for {tag}:\n{result.stdout}{result.stderr}")
            outcome[tag] = "no libcst wheel for this platform and Python"
            shutil.rmtree(native / tag, ignore_errors=True)
            continue
        shutil.rmtree(native / tag / "bin", ignore_errors=True)
        for tests in sorted((native / tag).rglob("tests"), reverse=True):
            shutil.rmtree(tests)  # libcst's own test suites: 4 MB per Python, never imported
        outcome[tag] = None
    return outcome


def pinned_version(requirements: Path, name: str) -> str:
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==", 1)[1].split()[0]
    raise ValueError(f"{name} is not pinned in {requirements}")


def lay_out(target: str | None, wheel: Path | None, out: Path = BUNDLED) -> dict[str, object]:
    if target is not None and target not in NATIVE_PLATFORMS:
        known = ", ".join(sorted(NATIVE_PLATFORMS))
        sys.exit(f"unknown target {target!r}: one of {known}, or none for the universal package")
    shutil.rmtree(out, ignore_errors=True)
    (out / "tool").mkdir(parents=True)
    shutil.copy2(SOURCES / "layerlint_vscode.py", out / "tool" / "layerlint_vscode.py")
    with tempfile.TemporaryDirectory() as scratch:
        install_libs(out / "libs", wheel or build_wheel(Path(scratch)))
    native = install_native(out / "native", NATIVE_PLATFORMS[target]) if target else {}
    manifest: dict[str, object] = {
        "target": target or "universal",
        "libcst": pinned_version(SOURCES / "native.txt", "libcst"),
        "native": {tag: why is None for tag, why in native.items()},
        "minimumPython": MINIMUM_PYTHON,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def package(target: str | None, out: Path) -> None:
    command = ["npx", "--no-install", "vsce", "package", "--out", str(out)]
    if target:
        command += ["--target", target]
    subprocess.run(command, cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="a VS Code target with libcst wheels, e.g. linux-x64")
    parser.add_argument("--wheel", type=Path, help="layerlint's wheel (default: build one)")
    parser.add_argument("--package", type=Path, metavar="OUT.vsix", help="then run vsce package")
    parser.add_argument("--out", type=Path, default=BUNDLED,
                        help="where to lay the bundle out (default: bundled/, which vsce packages)")
    args = parser.parse_args(argv)
    if args.package and args.out.resolve() != BUNDLED:
        parser.error("--package needs the bundle in bundled/")
    manifest = lay_out(args.target, args.wheel.resolve() if args.wheel else None, args.out.resolve())
    print(json.dumps(manifest))
    if args.package:
        package(args.target, args.package.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
