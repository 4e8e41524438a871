#!/usr/bin/env bash
# The release flow, rehearsed without publishing (part of .ci/run):
# 1. `changeset version` on a throw-away checkout of HEAD must bump the packages the pending
#    changesets name and write their CHANGELOGs;
# 2. `pnpm publish -r --dry-run` must pack every publishable package as npm would receive it.
# The real release is .github/workflows/release.yml (changesets/action, npm provenance).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tmp="$(mktemp -d)"
log="$tmp/release.log"
cleanup() { git worktree remove --force "$tmp/checkout" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

git worktree add --detach -q "$tmp/checkout" HEAD
(cd "$tmp/checkout" && "$ROOT/node_modules/.bin/changeset" version >"$log" 2>&1) || { cat "$log"; exit 1; }
bumped=$(cd "$tmp/checkout" && git diff --name-only -- '*/package.json' | wc -l)
changelogs=$(cd "$tmp/checkout" && git status --porcelain -- '*CHANGELOG.md' | wc -l)
pending=$(find .changeset -name '*.md' ! -name README.md | wc -l)
if [ "$pending" -gt 0 ] && [ "$bumped" -eq 0 ]; then
  echo "release-check: $pending changesets pending but changeset version bumped nothing"; exit 1
fi
echo "release-check: changeset version: $pending changesets → $bumped package.json bumped, $changelogs CHANGELOGs"

if ! pnpm publish -r --dry-run --no-git-checks >"$log" 2>&1; then cat "$log"; exit 1; fi
packed=$(grep -c '^+ @regua/' "$log" || true)
echo "release-check: pnpm publish -r --dry-run: ok ($packed packages)"
