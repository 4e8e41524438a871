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
  const tests = report.testResults.flatMap((file) => file.assertionResults);
  const titled = (test: (typeof tests)[number]) =>
    `${test.ancestorTitles.join(" > ")} > ${test.title}`.replace(
      /^connector conformance: |^channel conformance: /,
      "",
    );
  const failed = tests
    .filter((test) => test.status === "failed")
    .map(titled)
    .sort();
  expect(failed).toEqual(
    [
      "auth fails with a plain Error > errorMapping > fails with AuthError (code AUTH) on bad credentials",
      "auth fails with a plain Error > list > lists customers that parse with the core schema, tagged with source, externalId and raw",
      "auth fails with a plain Error > list > pages without duplicates",
      "auth fails with a plain Error > lookups > findCustomersByTaxId finds a listed customer by its normalised tax id, and nobody for an unknown one",
      "documents of another kind > documents > getDocument answers every kind with a typed document of that kind, or null",
      "open invoices of everybody > lookups > listOpenInvoices returns only that customer's open invoices, as the listing has them",
      "channel whose webhook accepts anything and errors without provider code > errorMapping > surfaces a provider error as a core error with the provider's code",
      "channel whose webhook accepts anything and errors without provider code > webhook > webhook: rejects a body changed after signing",
      "channel whose webhook accepts anything and errors without provider code > webhook > webhook: rejects a request without its signature",
      "declares payments without listPayments > capabilities > declares honest capabilities: every declared method exists",
      "broken mapper > list > lists invoices that parse with the core schema, tagged with source, externalId and raw",
      "declares payments without listPayments > list > lists every record the system holds, no more and no fewer (a lost page fails)",
      "ignores a deletion > deletions > an invoice deleted or cancelled in the system is no longer listed as dunnable",
      "loses a page > list > lists every record the system holds, no more and no fewer (a lost page fails)",
      "loses a page > lookups > listOpenInvoices returns only that customer's open invoices, as the listing has them",
      "loses a page > resume > resumes from a mid-way cursor with the rest and no gaps",
      "declares payments without listPayments > list > lists payments that parse with the core schema, tagged with source, externalId and raw",
      "duplicates across pages > list > pages without duplicates",
      "duplicates across pages > resume > resumes from a mid-way cursor with the rest and no gaps",
      "duplicates across pages, no-duplicates check disabled > resume > resumes from a mid-way cursor with the rest and no gaps",
      "stale getInvoice > getInvoice > getInvoice reads an invoice fresh after it changed in the ERP",
      "stamps a change older than the record > getInvoice > getInvoice reads an invoice fresh after it changed in the ERP",
      "stamps a change older than the record > resume > after a change, lists the changed invoice from the last cursor",
      "unhealthy > health > passes its health check",
      "wrong source tag > list > lists customers that parse with the core schema, tagged with source, externalId and raw",
      "writes twice > writeBackIdempotency > writes an activity once per key",
    ].sort(),
  );
  // An opt-out is never silent: the report lists it as skipped, its reason in the title.
  const skipped = tests.filter((test) => test.status !== "passed" && test.status !== "failed").map(titled);
  expect(skipped).toContain(
    "duplicates across pages, no-duplicates check disabled > list > pages without duplicates [disabled: a reason shown in the report]",
  );
});
