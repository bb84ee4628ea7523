#!/usr/bin/env bash
# CI steps for the VS Code extension, called by .ci/run:
#   1. npm ci, then `npm test` (type check + unit tests on node's test runner);
#   2. the server's bundle in bundled/ (scripts/bundle_vscode.py --target linux-x64; .ci/run
#      lays it out from the built wheel before the Python tests, and this step reuses it), then
#      `npx vsce package --target linux-x64` -> layerlint-linux-x64-<version>.vsix, and a check
#      that it holds only the manifest, dist/extension.js, README/LICENSE/CHANGELOG and bundled/;
#   3. the end-to-end test in code-server + chromium (vscode-extension/e2e/run.sh), which
#      installs its tools into .ci-cache/vscode-e2e/ on the first run.
# Options: --no-e2e skips step 3. The e2e test's trusted scenario traces shapes, so its
# interpreter needs TensorFlow and ipykernel: the first Python that imports layerlint's test
# environment: $LAYERLINT_E2E_PYTHON, `python` on PATH, or the repository's .venv. (The server
# itself always comes from the bundle; the "bundled" scenario runs it in a bare venv.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
run_e2e=1
for argument in "$@"; do
  case "$argument" in
    --no-e2e) run_e2e=0 ;;
    *) echo "unknown argument: $argument" >&2; exit 2 ;;
  esac
done

imports_layerlint() { [[ -n "$1" ]] && "$1" -c 'import layerlint' >/dev/null 2>&1; }
python=""
for candidate in "${LAYERLINT_E2E_PYTHON:-}" "$(command -v python || true)" "$repo/.venv/bin/python"; do
  if imports_layerlint "$candidate"; then python="$candidate"; break; fi
done
if [[ -z "$python" ]]; then
  echo "ci_vscode: no Python that imports layerlint (set LAYERLINT_E2E_PYTHON)" >&2
  exit 1
fi
export LAYERLINT_TEST_PYTHON="$python" LAYERLINT_E2E_PYTHON="$python"

echo "-- npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "-- npm test (type check, unit tests)"
npm test

target=linux-x64
if [[ ! -f bundled/manifest.json ]] || ! grep -q "\"target\": \"$target\"" bundled/manifest.json; then
  echo "-- bundle the server for $target (scripts/bundle_vscode.py)"
  "$python" scripts/bundle_vscode.py --target "$target" >/dev/null
fi

echo "-- vsce package --target $target"
version="$(node -p "require('./package.json').version")"
vsix="$repo/layerlint-$target-$version.vsix"
rm -f "$vsix"
npx --no-install vsce package --target "$target" --out "$vsix"

echo "-- .vsix contents"
python3 - "$vsix" <<'EOF'
import re
import sys
import zipfile
from collections import Counter

allowed = re.compile(
    r"^(\[Content_Types\]\.xml|extension\.vsixmanifest|extension/package\.json"
    r"|extension/dist/extension\.js|extension/(readme|changelog)\.md"
    r"|extension/license(\.md|\.txt)?"
    r"|extension/bundled/(manifest\.json|tool/layerlint_vscode\.py|libs/.+|native/cp3\d+/.+))$",
    re.IGNORECASE,
)
with zipfile.ZipFile(sys.argv[1]) as archive:
    entries = archive.infolist()
unexpected = [entry.filename for entry in entries if not allowed.match(entry.filename)]
unexpected += [entry.filename for entry in entries if "__pycache__" in entry.filename]
for entry in entries:
    if not entry.filename.startswith("extension/bundled/"):
        print(f"  {entry.file_size:>11,}  {entry.filename}")
folders = Counter("/".join(entry.filename.split("/")[:4]) for entry in entries
                  if entry.filename.startswith("extension/bundled/"))
sizes = Counter()
for entry in entries:
    if entry.filename.startswith("extension/bundled/"):
        sizes["/".join(entry.filename.split("/")[:4])] += entry.file_size
for folder, count in sorted(folders.items()):
    print(f"  {sizes[folder]:>11,}  {folder}/ ({count} files)")
names = {entry.filename for entry in entries}
for needed in ("extension/dist/extension.js", "extension/bundled/tool/layerlint_vscode.py",
               "extension/bundled/libs/layerlint/__init__.py", "extension/bundled/libs/pygls/__init__.py",
               "extension/bundled/native/cp311/libcst/__init__.py"):
    if needed not in names:
        sys.exit(f"the .vsix has no {needed}")
if unexpected:
    sys.exit(f"the .vsix holds files it does not need: {unexpected[:20]}")
bundle = next(entry for entry in entries if entry.filename == "extension/dist/extension.js")
if bundle.file_size > 1_500_000:
    sys.exit(f"dist/extension.js is {bundle.file_size:,} bytes: is the production build minified?")
EOF

if ((run_e2e)); then
  echo "-- end-to-end test (code-server + chromium, server: $python)"
  bash vscode-extension/e2e/run.sh --vsix "$vsix"
fi
