#!/usr/bin/env bash
# Builds layerlint's JupyterLab extension (jupyterlab-extension/, TypeScript) into the
# prebuilt labextension checked in under server/layerlint/labextension/, which the wheel
# installs to share/jupyter/labextensions/layerlint. Needs node/npm and a Python with
# JupyterLab (its staging folder names the shared core packages the bundle links against)
# and layerlint importable (the probe is generated from it).
# Run it after changing anything under jupyterlab-extension/ and commit the result; a test
# (tests/test_labextension.py) fails while the checked-in build is older than the sources.
#   bash scripts/build_labextension.sh [python]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python}
core=$("$python" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')
# The probe the "Trace shapes" command sends to the notebook's kernel, from layerlint.trace.probe.
"$python" scripts/labextension_sources.py --probe
cd jupyterlab-extension
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p .
rm -rf ../server/layerlint/labextension/static
node node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$core" .
cd ..
# install.json tells `jupyter labextension list` which Python package ships the extension.
cat > server/layerlint/labextension/install.json <<'JSON'
{
  "packageManager": "python",
  "packageName": "layerlint",
  "uninstallInstructions": "Use your Python package manager (pip, conda, etc.) to uninstall the package layerlint"
}
JSON
"$python" scripts/labextension_sources.py --write
