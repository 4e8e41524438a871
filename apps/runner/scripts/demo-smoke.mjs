#!/usr/bin/env node
// CI's end-to-end check: runs the built CLI's `regua demo` and exits 0 only when its output shows
// invoices synced, messages sent, sequences stopped by payment, confirmations and a report.
// Usage (from the repository root, after the build): node apps/runner/scripts/demo-smoke.mjs
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/cli.js");
const TIMEOUT_MS = 180_000;

/** Each expectation: a pattern whose first group, when present, must be a number above zero. */
const expectations = [
  ["invoices synced", /(\d+) invoices synced/],
  ["actions planned", /(\d+) action\(s\) planned for/],
  ["messages sent", /(\d+) messages sent through/],
  ["status webhooks applied", /(\d+) status webhook\(s\) verified and applied/],
  ["sequences stopped by payment", /(\d+) planned action\(s\) stopped by payment/],
  ["payment confirmations sent", /(\d+) payment confirmation\(s\) sent/],
  ["activities written back", /(\d+) collection activities written back/],
  ["report: aging", /Aging \(open amount by days past due\)/],
  ["report: messages by status", /Messages by status/],
  ["report: recovered after contact", /Recovered after contact\n[\s\S]*?BRL\s+(\d+)/],
];

const child = spawn(process.execPath, [cli, "demo"], { stdio: ["ignore", "pipe", "pipe"] });
let out = "";
let err = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk) => {
  err += chunk;
  process.stderr.write(chunk);
});
const timer = setTimeout(() => {
  console.error(`demo-smoke: regua demo did not finish within ${TIMEOUT_MS / 1000} s`);
  child.kill("SIGKILL");
}, TIMEOUT_MS);

child.on("close", (code, signal) => {
  clearTimeout(timer);
  const failures = [];
  if (code !== 0) failures.push(`regua demo exited with ${code ?? signal}`);
  const hollow = out.split("\n").filter((line) => /^✔ 0\b/.test(line));
  if (hollow.length > 0) failures.push(`a stage did nothing but printed ✔: ${hollow.join(" | ")}`);
  for (const [name, pattern] of expectations) {
    const match = pattern.exec(out);
    if (!match) failures.push(`missing: ${name}`);
    else if (match[1] !== undefined && Number(match[1]) <= 0)
      failures.push(`zero: ${name} (${match[0].trim()})`);
  }
  if (failures.length > 0) {
    console.error(`\ndemo-smoke: FAILED\n  ${failures.join("\n  ")}`);
    if (err.trim() === "" && out.trim() === "") console.error("  (no output: is apps/runner built?)");
    process.exit(1);
  }
  console.log(`\ndemo-smoke: ok (${expectations.length} checks)`);
});
