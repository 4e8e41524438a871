#!/usr/bin/env bash
# Runs inside scripts/env.sh (Node >= 22.12 and pnpm on PATH). See .ci/run.
set -uo pipefail
export CI="${CI:-true}"

failed_steps=()
step() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  local started=$SECONDS
  if "$@"; then
    printf '=== %s ok (%ss) ===\n' "$name" $((SECONDS - started))
  else
    printf '=== %s FAILED (%ss) ===\n' "$name" $((SECONDS - started))
    failed_steps+=("$name")
  fi
}

# Browser tests drive the system Chromium (never a downloaded one): install the Debian package
# when it is missing and we may (root with apt-get), as a fresh CI machine needs.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  step chromium bash -c 'apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }'
fi

find . -name test-results.json -not -path '*/node_modules/*' -delete

step install pnpm install --frozen-lockfile
step build pnpm run build
step typecheck pnpm run typecheck
step lint pnpm run lint
step test pnpm exec turbo run test --concurrency=1 --continue

# End-to-end checks outside vitest, one test each in the total: the demo as the README runs it,
# and régua installed from packed tarballs with npm in an empty folder, as a user installs it.
e2e_passed=0
e2e_failed=0
e2e() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  if "$@"; then e2e_passed=$((e2e_passed + 1)); else e2e_failed=$((e2e_failed + 1)); failed_steps+=("$name"); fi
}
e2e demo node apps/runner/scripts/demo-smoke.mjs
e2e install-as-user node scripts/install-as-user.mjs
e2e release bash scripts/release-check.sh
# Issue 18's crash experiments, short variant (~1.5 min): real CLI processes killed mid-send.
e2e chaos-short node apps/runner/chaos/chaos.ts --short

# Sum vitest's JSON reports from every package.
read -r passed failed < <(node -e '
  const fs = require("node:fs"), path = require("node:path");
  let passed = 0, failed = 0;
  const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name === "test-results.json") { const r = JSON.parse(fs.readFileSync(p, "utf8")); passed += r.numPassedTests; failed += r.numFailedTests; }
  } };
  walk(".");
  console.log(passed, failed);
')
passed=$((passed + e2e_passed))
failed=$((failed + e2e_failed))
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]}"
  [ "$failed" -eq 0 ] && failed=1
fi
echo "$passed passed, $failed failed"
[ ${#failed_steps[@]} -eq 0 ] && [ "$failed" -eq 0 ]
