import { browserAvailable, launchChromium } from "@regua/test-fixtures/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleWorld, PASSWORD, startConsoleWorld } from "./support/console-world.js";

type Browser = Awaited<ReturnType<typeof launchChromium>>;

/**
 * Issue 14's second browser test: a supervisor picks a group (aging bucket and segment), sends a
 * template to all of it through the policy's outbox and dispatch, and sees the batch in the
 * console's report with what it sent and cost.
 */
/** Polls wait long: Chromium, the fake and the runner share the machine's CPUs with other work. */
const POLL = { timeout: 20_000, interval: 100 };

describe.skipIf(!browserAvailable())("a batch action in Chromium", () => {
  let world: ConsoleWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await startConsoleWorld(
      [
        {
          id: "c1",
          name: "Maria Silva",
          phone: "+5511987654321",
          segment: "residencial",
          dueDate: "2026-01-29",
          amountMinor: 15_000,
        },
        {
          id: "c2",
          name: "João Souza",
          phone: "+5521998765432",
          segment: "residencial",
          dueDate: "2026-01-25",
          amountMinor: 30_000,
        },
        {
          id: "c3",
          name: "Ana Lima",
          phone: "+5531988887777",
          segment: "empresarial",
          dueDate: "2026-01-28",
          amountMinor: 5_000,
        },
        {
          id: "c4",
          name: "Rui Costa",
          phone: "+5541988886666",
          segment: "residencial",
          dueDate: "2026-04-30",
          amountMinor: 9_000,
        },
      ],
      `reports:
  prices: { currency: BRL, perMessage: { utility: "0.0400", marketing: "0.0625" } }`,
    );
    await world.rt.engine.sync();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it("sends a template to an aging bucket and segment, then reports it", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await page.goto(`${world.url}/console/login`);
    await page.getByLabel("E-mail").fill("sup@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${world.url}/console`);

    await page.getByRole("link", { name: "Batch actions" }).click();
    await page.getByLabel("Aging bucket").selectOption("31-60");
    await page.getByLabel("Segment").fill("residencial");
    await page.getByRole("button", { name: "Preview group" }).click();
    await expect.poll(() => page.locator("#preview-h").textContent(), POLL).toContain("2 customers");
    const previewed = await page.locator("#batch-preview tbody tr td:first-child").allTextContents();
    expect(previewed.sort()).toEqual(["João Souza", "Maria Silva"]);

    await page.getByLabel("Template").selectOption({ label: "Contact reminder" });
    await page.getByRole("button", { name: "Send to 2 customers" }).click();
    await expect
      .poll(() => page.getByRole("status").first().textContent(), POLL)
      .toMatch(/Batch \S+ planned/);
    const batchId = /Batch (\S+) planned/.exec(
      (await page.getByRole("status").first().textContent()) ?? "",
    )?.[1];
    const planned = await world.rt.store.listActions({ status: ["planned"], limit: 100 });
    expect(planned.map((a) => [a.customerRef, a.stepId]).sort()).toEqual([
      ["c1", `console:batch:${batchId}`],
      ["c2", `console:batch:${batchId}`],
    ]);

    // The policy's dispatch sends them (fresh invoice check, rate limit, crash-safe states).
    const summary = await world.rt.engine.dispatch({ limit: 10 });
    expect(summary).toMatchObject({ sent: 2 });
    const sent = world.fake.sent.filter((s) => s.type === "template");
    expect(sent.map((s) => s.to).sort()).toEqual(["5511987654321", "5521998765432"]);
    expect(JSON.stringify(sent.find((s) => s.to === "5511987654321")?.body)).toContain("Maria");
    // Running the dispatch again sends nothing more: each customer's action is keyed once.
    expect(await world.rt.engine.dispatch({ limit: 10 })).toMatchObject({ sent: 0 });

    // Status webhooks (with WhatsApp pricing) reach the runner; the report shows the batch and its cost.
    await page.getByRole("navigation").getByRole("link", { name: "Reports" }).click();
    const row = page.locator("#report-batches tbody tr", { hasText: `console:batch:${batchId}` });
    await expect
      .poll(
        async () => {
          await page.reload();
          return (await row.count()) === 1 ? ((await row.textContent()) ?? "") : "";
        },
        { timeout: 20_000, interval: 500 },
      )
      .toMatch(/R\$\s?0,08/);
    const cells = await row.locator("td").allTextContents();
    expect(cells[1]).toBe("erp");
    expect(cells[2]).toBe("2");
    const audit = await world.rt.store.listAudit({ limit: 50 });
    expect(audit.find((a) => a.action === "console.batch_planned")).toMatchObject({
      actor: "operator:sup",
      subject: `batch:${batchId}`,
    });
  }, 120_000);
});
