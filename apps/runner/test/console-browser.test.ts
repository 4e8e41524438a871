import { browserAvailable, launchChromium } from "@regua/test-fixtures/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleWorld, PASSWORD, startConsoleWorld } from "./support/console-world.js";

const MARIA = "+5511987654321";
/** Set REGUA_UPDATE_SCREENSHOT=1 to rewrite docs/img/console.png from this test. */
const SCREENSHOT = new URL("../../../docs/img/console.png", import.meta.url).pathname;

/**
 * Issue 14's first browser test: an operator signs in, receives a live conversation (a debtor
 * answers a dunning message through the fake Graph API's signed webhook), replies, sends the
 * debt statement, transfers it; a second operator closes it; the debtor receives the closing
 * message and the ERP holds the collection activity.
 */
type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser["newPage"]>>;

/** Polls wait long: Chromium, the fake and the runner share the machine's CPUs with other work. */
const POLL = { timeout: 20_000, interval: 100 };

describe.skipIf(!browserAvailable())("the operator console in Chromium", () => {
  let world: ConsoleWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await startConsoleWorld([
      {
        id: "c1",
        name: "Maria Silva",
        phone: MARIA,
        taxId: "52998224725",
        dueDate: "2026-03-10",
        amountMinor: 15_000,
      },
    ]);
    await world.rt.engine.sync();
    await world.rt.engine.plan({ dryRun: false });
    await world.rt.engine.dispatch({ limit: 10 });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${world.url}/console`);
    expect(page.url()).toContain("/console/login");
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${world.url}/console`);
    return page;
  }

  const sentTo = (phone: string) => world.fake.sent.filter((s) => s.to === phone.slice(1));

  it("takes a debtor's answer live, replies, sends the statement, transfers; the second operator closes", async () => {
    const dunning = sentTo(MARIA);
    expect(dunning.map((s) => s.type)).toEqual(["template"]);

    const ana = await signIn("ana@example.com");
    // Keyboard: the first Tab reaches the skip link, Enter moves focus to the main content, and
    // the availability switch is reachable and pressable from there.
    const focused = "document.activeElement?.textContent?.trim() ?? ''";
    await ana.keyboard.press("Tab");
    expect(await ana.evaluate(focused)).toBe("Skip to content");
    await ana.keyboard.press("Enter");
    expect(await ana.evaluate("document.activeElement?.id")).toBe("main");
    await ana.keyboard.press("Tab");
    expect(await ana.evaluate(focused)).toBe("Become available");
    await ana.getByRole("button", { name: "Become available" }).click();
    await expect.poll(() => ana.getByText("You are available").count(), POLL).toBe(1);
    expect(await ana.locator("#queue-rows").textContent()).toContain("No conversations");

    // The debtor answers the dunning message: Meta's signed webhook reaches the runner, the engine
    // opens a conversation in the operator queue, routing gives it to Ana, her queue shows it.
    world.fake.reply(MARIA, "Posso pagar na sexta?", { context: dunning[0]!.id, name: "Maria" });
    const row = ana.locator("#queue-rows tr[data-conversation]");
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("Ana Souza");
    expect(await row.textContent()).toContain("Answer to dunning");

    await row.getByRole("link", { name: "Maria Silva" }).click();
    await ana.waitForURL(/\/console\/conversations\/\d+$/);
    const conversationUrl = ana.url();
    await expect.poll(() => ana.locator("#messages").textContent(), POLL).toContain("Posso pagar na sexta?");
    await expect.poll(() => ana.locator("#open-invoices").textContent(), POLL).toContain("NF-c1");
    expect(await ana.locator("#window").textContent()).toContain("24-hour window open");

    await ana.getByLabel("Reply").fill("Claro, Maria! Vou te mandar o extrato.");
    await ana.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => ana.locator("#notice").textContent(), POLL).toContain("Reply sent");
    await expect.poll(() => sentTo(MARIA).filter((s) => s.type === "text").length, POLL).toBe(1);
    expect(JSON.stringify(sentTo(MARIA).at(-1)?.body)).toContain("Vou te mandar o extrato");
    // The fake's status webhooks move the reply's ticks on the open screen (a loaded CI machine
    // running every suite at once took over 15 s for the webhook, its queue and the page's feed).
    const replyItem = ana.locator("#messages li.outbound", { hasText: "Vou te mandar o extrato" });
    await expect
      .poll(() => replyItem.getAttribute("data-status"), { timeout: 30_000 })
      .toMatch(/delivered|read/);

    await ana.getByLabel("Document").selectOption("statement");
    await ana.getByRole("button", { name: "Send document" }).click();
    await expect.poll(() => ana.locator("#notice").textContent(), POLL).toContain("Document sent");
    await expect.poll(() => sentTo(MARIA).filter((s) => s.type === "document").length, POLL).toBe(1);
    expect(
      world.fake.media.some((m) => m.mimeType === "application/pdf" && m.filename?.startsWith("extrato-c1")),
    ).toBe(true);
    await expect.poll(() => ana.locator("#messages").textContent(), POLL).toContain("extrato-c1");

    if (process.env.REGUA_UPDATE_SCREENSHOT === "1") await ana.screenshot({ path: SCREENSHOT });
    await ana.getByLabel("Transfer to").selectOption("bia");
    await ana.getByLabel("Reason (optional)").fill("Bia cuida de acordos");
    await ana.getByRole("button", { name: "Transfer" }).click();
    await ana.waitForURL(`${world.url}/console`);
    // Ana no longer holds it: her queue does not list it any more.
    await expect.poll(() => ana.locator("#queue-rows tr[data-conversation]").count(), POLL).toBe(0);

    const bia = await signIn("bia@example.com");
    await bia.goto(conversationUrl);
    expect(await bia.locator("#conversation-state").textContent()).toContain("Bia Lima");
    await bia.getByRole("button", { name: "Close conversation" }).click();
    await expect.poll(() => bia.locator("#actions").textContent(), POLL).toContain("closed");
    await expect
      .poll(() => sentTo(MARIA).at(-1)?.body)
      .toMatchObject({ type: "text", text: { body: "Obrigado, Maria! Conversa encerrada." } });
    // Ana's open screen of it went back to the queue; the conversation is closed in the store.
    const id = Number(conversationUrl.split("/").at(-1));
    expect(await world.rt.store.getConversation(id)).toMatchObject({ status: "closed", operatorId: "bia" });
    expect(
      (await world.rt.store.operators.listAssignments(id)).map((a) => [
        a.fromOperatorId,
        a.toOperatorId,
        a.by,
      ]),
    ).toEqual([
      [null, "ana", "routing"],
      ["ana", "bia", "operator:ana"],
    ]);

    // The conversation went back into the ERP as a collection activity (phone, time, operator).
    await world.rt.engine.writeBack();
    const written = world.erp.activities.find((a) => a.activity.key === `console:conversation:${id}`);
    expect(written?.activity).toMatchObject({
      source: "erp",
      customerRef: "c1",
      kind: "reply_received",
      channel: "wa",
    });
    expect(written?.activity.subject).toContain(MARIA);
    expect(written?.activity.subject).toContain("Ana Souza");
    const actions = (await world.rt.store.listAudit({ limit: 100 })).map((a) => a.action);
    for (const action of [
      "console.login",
      "console.available",
      "conversation.assigned",
      "conversation.replied",
      "conversation.document_sent",
      "conversation.transferred",
      "conversation.closed",
    ]) {
      expect(actions).toContain(action);
    }
  }, 120_000);
});
