#!/usr/bin/env bash
# Create (once) and print the path of a virtual environment with an older Keras release, for the
# version-aware rule tests in tests/versions/ (LL205: Keras 3.6-3.9 skip build() of stateless
# built-in layer subclasses).
#
# Usage: scripts/keras_versions_env.sh [KERAS_VERSION]      (default 3.9.2)
#   prints the environment's directory on stdout (its interpreter is DIR/bin/python).
#
# The environment lives OUTSIDE the repository, in ${LAYERLINT_CACHE:-~/.cache/layerlint-tests}/
# keras-<version>, and is reused while its marker file names the same packages. Keras runs there
# on the torch backend (KERAS_BACKEND=torch): the numpy backend needs jax for pooling, and
# TensorFlow would pull in its own Keras. Creating it takes about 70 s on 2 cores when pip finds
# the torch wheel locally (this machine's pip.conf has find-links with torch-2.13.0+cpu); elsewhere
# point pip at the CPU wheels, e.g.
#   LAYERLINT_PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
# Other settings: PYTHON (the interpreter to base the environment on, default python3),
# LAYERLINT_TORCH_SPEC (default torch==2.13.0).
set -euo pipefail

keras_version="${1:-3.9.2}"
torch_spec="${LAYERLINT_TORCH_SPEC:-torch==2.13.0}"
python="${PYTHON:-python3}"
cache="${LAYERLINT_CACHE:-${HOME}/.cache/layerlint-tests}"
env_dir="${cache}/keras-${keras_version}"
marker="${env_dir}/.layerlint-ready"
wanted="keras==${keras_version} ${torch_spec}"

mkdir -p "${cache}"
# One creator at a time: parallel test runs wait here instead of installing twice.
exec 9>"${cache}/.keras-${keras_version}.lock"
flock 9

if [[ -f "${marker}" && "$(cat "${marker}")" == "${wanted}" && -x "${env_dir}/bin/python" ]]; then
    echo "${env_dir}"
    exit 0
fi

rm -rf "${env_dir}"
"${python}" -m venv "${env_dir}" >&2
# shellcheck disable=SC2086  # LAYERLINT_PIP_ARGS is a list of words on purpose
"${env_dir}/bin/python" -m pip install --quiet --disable-pip-version-check \
    ${LAYERLINT_PIP_ARGS:-} "keras==${keras_version}" "${torch_spec}" >&2
installed="$("${env_dir}/bin/python" -c 'import importlib.metadata as m; print(m.version("keras"))')"
if [[ "${installed}" != "${keras_version}" ]]; then
    echo "expected keras ${keras_version}, pip installed ${installed}" >&2
    exit 1
fi
echo "${wanted}" > "${marker}"
echo "${env_dir}"
