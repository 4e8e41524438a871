import type { Invoice, Payment } from "@regua/core";
import type { FakeIxc } from "@regua/test-fixtures/ixc";
import { afterEach, describe, expect, it } from "vitest";
import { ticketMarker } from "../src/writeback.js";
import { collect, connect, fakeIxc } from "./support.js";

let ixc: FakeIxc | undefined;
afterEach(async () => {
  await ixc?.close();
  ixc = undefined;
});

const TICKET = { idAssunto: "7", idTicketSetor: "3" };

describe("incremental listing (keyset on ultima_atualizacao)", () => {
  it("an edit made while a sync pages is listed later, never skipped", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    const seen = new Set<string>();
    let edited: string | undefined;
    for await (const page of connector.listInvoices({})) {
      for (const invoice of page.items) seen.add(invoice.externalId);
      // Between pages, the ISP pays a receivable listed on the first page: with page numbers the
      // rows behind it would shift and one would be skipped.
      if (!edited) {
        edited = page.items.find((i) => i.status === "open")?.externalId;
        if (edited) ixc.markPaid(edited, "2026-03-16");
      }
    }
    expect(seen.size).toBe(ixc.tables.fn_areceber.length);
  });

  it("paid turns R (a payment), cancelled turns C (no payment) from the last cursor", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    const invoices = await collect(connector.listInvoices({}));
    const payments = await collect(connector.listPayments!({}));
    const open = invoices.flatMap((p) => p.items).filter((i) => i.status === "open");
    const [toPay, toCancel] = open;
    ixc.markPaid(toPay!.externalId, "2026-03-16");
    ixc.cancel(toCancel!.externalId, "2026-03-16");
    const changed = (await collect(connector.listInvoices({ cursor: invoices.at(-1)!.cursor })))
      .flatMap((p) => p.items)
      .map((i: Invoice) => [i.externalId, i.status]);
    expect(changed).toEqual([
      [toPay!.externalId, "paid"],
      [toCancel!.externalId, "cancelled"],
    ]);
    const newPayments = (await collect(connector.listPayments!({ cursor: payments.at(-1)!.cursor }))).flatMap(
      (p) => p.items,
    );
    expect(newPayments.map((p: Payment) => [p.externalId, p.date])).toEqual([
      [toPay!.externalId, "2026-03-16"],
    ]);
  });
});

describe("customers with their contracts' suspension state", () => {
  it("a block or unblock in cliente_contrato re-lists the customer with its tag", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    const full = await collect(connector.listCustomers({}));
    const customers = full.flatMap((p) => p.items);
    expect(customers).toHaveLength(8);
    expect(new Set(customers.map((c) => c.externalId)).size).toBe(8);
    expect(customers.every((c) => c.tags.includes("ixc:ativo"))).toBe(true);
    expect(customers[0]?.customFields.contratos).toEqual([
      expect.objectContaining({ plano: "FIBRA 300MB", statusInternet: "A" }),
    ]);
    const last = full.at(-1)!.cursor;
    expect((await collect(connector.listCustomers({ cursor: last }))).flatMap((p) => p.items)).toEqual([]);

    ixc.setBlocked(3, true);
    const blocked = await collect(connector.listCustomers({ cursor: last }));
    expect(blocked.flatMap((p) => p.items).map((c) => [c.externalId, c.tags])).toEqual([
      ["3", ["ixc:bloqueado"]],
    ]);
    ixc.setBlocked(3, false);
    const unblocked = await collect(connector.listCustomers({ cursor: blocked.at(-1)!.cursor }));
    expect(unblocked.flatMap((p) => p.items).map((c) => [c.externalId, c.tags])).toEqual([
      ["3", ["ixc:ativo"]],
    ]);
    ixc.touch("cliente", 5);
    const edited = await collect(connector.listCustomers({ cursor: unblocked.at(-1)!.cursor }));
    expect(edited.flatMap((p) => p.items).map((c) => c.externalId)).toEqual(["5"]);
  });
});

describe("write-back as su_ticket", () => {
  it("opens one ticket per activity key with IXC's fields, visible in IXC", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc, { ticket: TICKET });
    const activity = {
      key: "action-1:sent",
      source: "provedor",
      kind: "escalated" as const,
      customerRef: "3",
      invoiceRefs: ["5"],
      occurredAt: "2026-03-15T13:00:00.000Z",
      channel: "opa",
      providerMessageId: "65f0c1",
      subject: "Cobrança Presencial: título 5 com 45 dias de atraso",
      details: "Encaminhado à equipe de campo",
      actionKey: "action-1",
    };
    const first = await connector.writeActivity!(activity);
    const again = await connector.writeActivity!(activity);
    expect(first.created).toBe(true);
    expect(again).toEqual({ externalId: first.externalId, created: false });
    expect(ixc.tables.su_ticket).toHaveLength(1);
    expect(ixc.tables.su_ticket[0]).toMatchObject({
      id_cliente: "3",
      id_assunto: "7",
      id_ticket_setor: "3",
      titulo: activity.subject,
      su_status: "N",
    });
    expect(ixc.tables.su_ticket[0]?.menssagem).toContain(ticketMarker(activity.key));
    expect(ixc.tables.su_ticket[0]?.menssagem).toContain("Títulos: 5");
  });

  it("the health check names a subject or sector the tenant does not have", async () => {
    ixc = await fakeIxc();
    const good = await connect(ixc, { ticket: TICKET });
    expect((await good.healthCheck()).ok).toBe(true);
    const wrong = await connect(ixc, { ticket: { idAssunto: "99", idTicketSetor: "3" } });
    const health = await wrong.healthCheck();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain("idAssunto 99");
    const none = await connect(ixc);
    expect(none.capabilities.writeActivity).toBe(false);
  });
});

describe("documents", () => {
  it("get_boleto generates the boleto (and its line) for an unprinted receivable; get_pix the code", async () => {
    ixc = await fakeIxc();
    const plain = await connect(ixc, { instrumentsOnRead: false });
    const row = ixc.tables.fn_areceber.find((r) => r.status === "A" && r.linha_digitavel === "");
    const invoice = await plain.getInvoice!(row!.id!);
    expect(invoice?.instruments).toMatchObject({ boletoLine: null, pixCode: null });
    const pdf = await plain.getDocument!(invoice!, "boleto_pdf");
    expect(pdf?.type === "file" && Buffer.from(pdf.bytes.subarray(0, 5)).toString()).toBe("%PDF-");
    expect((await plain.getInvoice!(row!.id!))?.instruments.boletoLine).toMatch(/^\d{47}$/);
    const pix = await plain.getDocument!(invoice!, "pix_code");
    expect(pix?.type === "text" && pix.text).toMatch(/^000201.*6304[0-9A-F]{4}$/);
    const request = ixc.requests.find((r) => r.path === "/webservice/v1/get_boleto");
    expect(request?.body).toMatchObject({ boletos: row!.id, tipo_boleto: "arquivo", base64: "S" });
  });

  it("the read before a send carries the boleto line (printing it first) and the PIX code", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    const row = ixc.tables.fn_areceber.find((r) => r.status === "A" && r.linha_digitavel === "");
    const fresh = await connector.getInvoice!(row!.id!);
    expect(fresh?.instruments.boletoLine).toMatch(/^\d{47}$/);
    expect(fresh?.instruments.pixCode).toMatch(/^000201/);
    const paid = ixc.tables.fn_areceber.find((r) => r.status === "R");
    expect((await connector.getInvoice!(paid!.id!))?.instruments.pixCode).toBeNull();
  });

  it("no PIX code where the tenant has no PIX, and none for a received title", async () => {
    ixc = await fakeIxc({ pix: false });
    const connector = await connect(ixc);
    const row = ixc.tables.fn_areceber.find((r) => r.status === "A");
    const invoice = await connector.getInvoice!(row!.id!);
    expect(await connector.getDocument!(invoice!, "pix_code")).toBeNull();
    ixc.markPaid(row!.id!, "2026-03-16");
    expect(await connector.getDocument!(invoice!, "boleto_pdf")).toBeNull();
  });
});
