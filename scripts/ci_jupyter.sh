#!/usr/bin/env bash
# Installs what the Jupyter tests (tests/jupyter/) need, so they run instead of skipping:
#   - JupyterLab, jupyter-lsp and jupyterlab-lsp into the test environment (pip, ~20 s);
#   - Debian's Chromium (apt-get), for the headless-browser test;
#   - playwright-core (npm) into .ci-cache/jupyter-node, which drives that Chromium; it
#     downloads no browser of its own.
# Run it before pytest, with the test environment's interpreter as the argument (default: the
# `python` on PATH):   bash scripts/ci_jupyter.sh "$venv/bin/python"
# Every step is skipped when its result is already there; a step that cannot run here (no
# root for apt-get, no npm) prints why, and the browser test then skips with its reason.
# layerlint's JupyterLab extension needs no step here: it is prebuilt and checked in
# (server/layerlint/labextension, rebuilt by scripts/build_labextension.sh, which CI does not
# run: tests/test_labextension.py fails when the build is older than jupyterlab-extension/),
# and the browser tests copy it into their private Jupyter data folder when layerlint is
# installed editable (no data files), as the wheel installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${1:-python}

# Versions the tests were measured with (tests/jupyter/fixtures records JupyterLab's output).
"$python" -m pip install -q "jupyterlab==4.6.6" "jupyter-lsp==2.3.1" "jupyterlab-lsp==5.3.0"

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
  :
elif command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "ci_jupyter: chromium missing and apt-get needs root; the browser test will skip" >&2
      sudo="skip"
    fi
  fi
  if [ "$sudo" != skip ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
  fi
else
  echo "ci_jupyter: chromium missing and no apt-get here; the browser test will skip" >&2
fi

node_dir="$root/.ci-cache/jupyter-node"
if [ -f "$node_dir/node_modules/playwright-core/package.json" ]; then
  :
elif command -v npm >/dev/null 2>&1; then
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error "playwright-core@1.65.1"
else
  echo "ci_jupyter: npm missing; the browser test will skip" >&2
fi
