#!/usr/bin/env bash
# CI steps for the VS Code extension, called by .ci/run:
#   1. npm ci, then `npm test` (type check + unit tests on node's test runner);
#   2. `npx vsce package` -> layerlint-<version>.vsix, and a check that it holds only the
#      manifest, the bundled dist/extension.js and the README/LICENSE/CHANGELOG;
#   3. the end-to-end test in code-server + chromium (vscode-extension/e2e/run.sh), which
#      installs its tools into .ci-cache/vscode-e2e/ on the first run.
# Options: --no-e2e skips step 3. The e2e test runs the server with the first Python that
# imports layerlint: $LAYERLINT_E2E_PYTHON, `python` on PATH, or the repository's .venv.
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

echo "-- vsce package"
version="$(node -p "require('./package.json').version")"
vsix="$repo/layerlint-$version.vsix"
rm -f "$vsix"
npx --no-install vsce package --out "$vsix"

echo "-- .vsix contents"
python3 - "$vsix" <<'EOF'
import re
import sys
import zipfile

allowed = re.compile(
    r"^(\[Content_Types\]\.xml|extension\.vsixmanifest|extension/package\.json"
    r"|extension/dist/extension\.js|extension/(readme|changelog)\.md"
    r"|extension/license(\.md|\.txt)?)$",
    re.IGNORECASE,
)
with zipfile.ZipFile(sys.argv[1]) as archive:
    entries = archive.infolist()
unexpected = [entry.filename for entry in entries if not allowed.match(entry.filename)]
for entry in entries:
    print(f"  {entry.file_size:>9,}  {entry.filename}")
bundle = next((entry for entry in entries if entry.filename == "extension/dist/extension.js"), None)
if bundle is None:
    sys.exit("the .vsix has no extension/dist/extension.js")
if unexpected:
    sys.exit(f"the .vsix holds files it does not need: {unexpected}")
if bundle.file_size > 1_500_000:
    sys.exit(f"dist/extension.js is {bundle.file_size:,} bytes: is the production build minified?")
EOF

if ((run_e2e)); then
  echo "-- end-to-end test (code-server + chromium, server: $python)"
  bash vscode-extension/e2e/run.sh --vsix "$vsix"
fi
