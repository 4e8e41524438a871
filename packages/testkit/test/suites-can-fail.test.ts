import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it, onTestFinished } from "vitest";

/**
 * Runs the conformance suites against deliberately broken plugins (test/broken) in a child
 * vitest and checks that exactly the checks meant to catch each breakage fail.
 */
it("conformance suites fail on broken connectors and channels", { timeout: 120_000 }, async () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "regua-broken-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const output = join(dir, "report.json");
  const vitest = join(fileURLToPath(new URL(".", import.meta.resolve("vitest/package.json"))), "vitest.mjs");
  await promisify(execFile)(
    process.execPath,
    [vitest, "run", "--config", "test/broken/vitest.config.ts", "--reporter=json", `--outputFile=${output}`],
    { cwd: root },
  ).catch((error: { code?: number }) => {
    if (error.code !== 1) throw error; // 1 = some tests failed, which is the point
  });
  const report = JSON.parse(await readFile(output, "utf8")) as {
    testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
  };
  const failed = report.testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status === "failed")
    .map((test) =>
      `${test.ancestorTitles.join(" > ")} > ${test.title}`.replace(
        /^connector conformance: |^channel conformance: /,
        "",
      ),
    )
    .sort();
  expect(failed).toEqual(
    [
      "auth fails with a plain Error > fails with AuthError (code AUTH) on bad credentials",
      "auth fails with a plain Error > lists customers that parse with the core schema, tagged with source, externalId and raw",
      "auth fails with a plain Error > pages without duplicates",
      "channel whose webhook accepts anything and errors without provider code > surfaces a provider error as a core error with the provider's code",
      "channel whose webhook accepts anything and errors without provider code > webhook: rejects forged and unsigned requests, parses a genuine one",
      "declares payments without listPayments > declares honest capabilities: every declared method exists",
      "declares payments without listPayments > lists payments that parse with the core schema, tagged with source, externalId and raw",
      "duplicates across pages > pages without duplicates",
      "duplicates across pages > resumes from a mid-way cursor with the rest and no gaps",
      "stale getInvoice > after a change, lists it from the last cursor and getInvoice reads it fresh",
      "wrong source tag > lists customers that parse with the core schema, tagged with source, externalId and raw",
      "writes twice > writes an activity once per key",
    ].sort(),
  );
});
