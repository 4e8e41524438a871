import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleWorld, PASSWORD, startConsoleWorld } from "./support/console-world.js";

const MARIA = "+5511987654321";
const JOAO = "+5521998765432";

/** Cookies between inject() calls, as a browser keeps them. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: LightMyRequestResponse): void {
    for (const c of res.cookies) this.cookies.set(c.name, c.value);
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";

/** The console's rules over HTTP: the 24-hour window, who may act on what, reassignment, uploads. */
describe("operator console actions", () => {
  let world: ConsoleWorld;
  const sessions = new Map<string, { jar: Jar; csrf: string }>();

  beforeAll(async () => {
    world = await startConsoleWorld([
      { id: "c1", name: "Maria Silva", phone: MARIA, dueDate: "2026-03-10", amountMinor: 15_000 },
      { id: "c2", name: "João Souza", phone: JOAO, dueDate: "2026-03-10", amountMinor: 9_000 },
    ]);
    await world.rt.engine.sync();
    for (const id of ["ana", "bia", "sup"]) {
      const jar = new Jar();
      const form = await world.app.inject({ method: "GET", url: "/console/login" });
      jar.take(form);
      const login = await world.app.inject({
        method: "POST",
        url: "/console/login",
        headers: { cookie: jar.header, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          email: `${id}@example.com`,
          password: PASSWORD,
          _csrf: csrfOf(form.body),
        }).toString(),
      });
      jar.take(login);
      const home = await world.app.inject({
        method: "GET",
        url: "/console",
        headers: { cookie: jar.header },
      });
      sessions.set(id, { jar, csrf: csrfOf(home.body) });
    }
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  const as = (id: string) => sessions.get(id)!;
  const get = (id: string, url: string) =>
    world.app.inject({ method: "GET", url, headers: { cookie: as(id).jar.header } });
  const post = (id: string, url: string, fields: Record<string, string>) =>
    world.app.inject({
      method: "POST",
      url,
      headers: {
        cookie: as(id).jar.header,
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
        "x-csrf-token": as(id).csrf,
      },
      payload: new URLSearchParams(fields).toString(),
    });
  /** A debtor conversation in the queue whose last inbound message was `hoursAgo` hours ago. */
  const conversation = async (
    phone: string,
    customerRef: string,
    hoursAgo: number,
    operatorId: string | null,
  ) => {
    const at = new Date(world.clock.now().getTime() - hoursAgo * 3_600_000).toISOString();
    const { conversation: c } = await world.rt.store.openConversation({
      channel: "wa",
      phone,
      source: "erp",
      customerRef,
      customerName: customerRef === "c1" ? "Maria Silva" : "João Souza",
      status: "with_operator",
      origin: "receptive",
      operatorId,
      at,
    });
    await world.rt.store.appendMessage({
      conversationId: c.id,
      direction: "inbound",
      kind: "text",
      author: "customer",
      body: "oi",
      status: "received",
      at,
    });
    return c.id;
  };

  it("outside the 24-hour window shows it closed, refuses free text and documents, and sends a template", async () => {
    const id = await conversation(MARIA, "c1", 25, "ana");
    const page = await get("ana", `/console/conversations/${id}`);
    expect(page.body).toContain("The 24-hour window is closed");
    expect(page.body).not.toContain('name="text"');
    const sentBefore = world.fake.sent.length;
    const reply = await post("ana", `/console/conversations/${id}/reply`, { text: "Oi Maria" });
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toContain("The 24-hour window is closed: send a template instead.");
    expect(
      (await post("ana", `/console/conversations/${id}/document`, { document: "statement" })).statusCode,
    ).toBe(409);
    expect(world.fake.sent.length).toBe(sentBefore);
    const template = await post("ana", `/console/conversations/${id}/template`, { template: "0" });
    expect(template.statusCode).toBe(200);
    expect(template.body).toContain("Template &quot;Contact reminder&quot; sent.");
    const sent = world.fake.sent.at(-1);
    expect(sent?.type).toBe("template");
    expect(JSON.stringify(sent?.body)).toContain("Maria");
    const messages = await world.rt.store.listMessages(id);
    expect(messages.at(-1)).toMatchObject({
      kind: "template",
      author: "operator:ana",
      status: "sent",
      providerMessageId: sent?.id,
    });
  });

  it("keeps an operator out of a conversation another one holds; a supervisor sees it and reassigns", async () => {
    // João writes through Meta's webhook (so the channel knows his 24-hour window is open).
    world.fake.reply(JOAO, "Quero falar com alguém");
    await expect
      .poll(() => world.rt.store.findOpenConversation("wa", JOAO), { timeout: 10_000 })
      .not.toBeNull();
    const opened = (await world.rt.store.findOpenConversation("wa", JOAO))!;
    await world.rt.store.updateConversation(opened.id, {
      status: "with_operator",
      operatorId: "bia",
      at: world.clock.now().toISOString(),
    });
    const id = opened.id;
    expect((await get("ana", `/console/conversations/${id}`)).statusCode).toBe(403);
    expect((await post("ana", `/console/conversations/${id}/reply`, { text: "x" })).statusCode).toBe(403);
    expect((await get("sup", `/console/conversations/${id}`)).statusCode).toBe(200);
    const moved = await post("sup", `/console/conversations/${id}/transfer`, {
      to: "ana",
      reason: "Bia saiu",
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.body).toContain("Transferred to Ana Souza.");
    expect((await world.rt.store.getConversation(id))?.operatorId).toBe("ana");
    expect((await get("ana", `/console/conversations/${id}`)).statusCode).toBe(200);
    expect((await get("bia", `/console/conversations/${id}`)).statusCode).toBe(403);
    expect((await world.rt.store.operators.listAssignments(id)).at(-1)).toMatchObject({
      fromOperatorId: "bia",
      toOperatorId: "ana",
      by: "operator:sup",
      reason: "Bia saiu",
    });
    // Batch actions are for supervisors only.
    expect((await get("ana", "/console/batch")).statusCode).toBe(403);
  });

  it("sends a file from the computer as a document; a forged CSRF header is refused", async () => {
    const id = (await world.rt.store.findOpenConversation("wa", JOAO))!.id;
    const boundary = "----regua-test";
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="acordo assinado.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      Buffer.from("%PDF-1.4\n% a tiny test file\n"),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = (csrf: string) =>
      world.app.inject({
        method: "POST",
        url: `/console/conversations/${id}/upload`,
        headers: {
          cookie: as("ana").jar.header,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "hx-request": "true",
          "x-csrf-token": csrf,
        },
        payload: body,
      });
    expect((await upload("forged")).statusCode).toBe(403);
    const res = await upload(as("ana").csrf);
    expect(res.statusCode).toBe(200);
    expect(res.body, res.body.slice(-300)).toContain("File acordo assinado.pdf sent.");
    expect(world.fake.media.at(-1)).toMatchObject({
      mimeType: "application/pdf",
      filename: "acordo assinado.pdf",
    });
    expect(world.fake.sent.at(-1)?.type).toBe("document");
  });
});
