import { opaChannel } from "@regua/channel-opa";
import { type Connector, createEngine, formatMoney, parsePolicy, toMinorUnits } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { type FakeIxc, IXC_ISP_POLICY_YAML, type IxcRow } from "@regua/test-fixtures/ixc";
import { DEFAULT_CANAL, type FakeOpa, startFakeOpa } from "@regua/test-fixtures/opa";
import { createTestContext, JumpingClock } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, fakeIxc } from "./support.js";

const DAY = 86_400_000;
const OPA_TOKEN = "opa-cycle-token";

/**
 * The ISP cycle on the fakes: IXC Provedor (receivables, contracts, tickets) → régua (sync, plan,
 * dispatch, write-back on SQLite) → Opa! Suite (templates), with the IXC-vocabulary policy.
 * Monday 2026-03-16, 10:00 in São Paulo.
 */
describe("an ISP dunning cycle: IXC Provedor → régua → Opa! Suite", () => {
  let ixc: FakeIxc;
  let opa: FakeOpa;
  let store: ReguaStore;
  let engine: ReturnType<typeof createEngine>;
  const clock = new JumpingClock(Date.parse("2026-03-16T13:00:00.000Z"));
  const rows: Record<"preDue" | "overdue" | "beforeBlock" | "field" | "blocked", IxcRow> = {} as never;
  const phoneOf = (row: IxcRow) => `+55${ixc.tables.cliente.find((c) => c.id === row.id_cliente)?.whatsapp}`;
  const sentTo = (row: IxcRow) =>
    opa.messages
      .filter((m) => m.canalCliente === phoneOf(row))
      .map((m) => opa.templates.find((t) => t._id === m.template)?.atalho);

  const cycle = async () => {
    const synced = await engine.sync();
    expect(synced.errors, "the sync reports no error").toBe(0);
    await engine.plan();
    await engine.dispatch();
    const written = await engine.writeBack();
    expect(written.failed + written.dead, "every contact is written back as a ticket").toBe(0);
  };

  beforeAll(async () => {
    ixc = await fakeIxc({ customers: 12, today: "2026-03-16" });
    opa = await startFakeOpa({ token: OPA_TOKEN });
    // One open receivable per customer, due far ahead, except the five this story follows.
    const open = ixc.tables.fn_areceber.filter((r) => r.status === "A" && r.valor_recebido === "0.00");
    const byCustomer = new Map<string, IxcRow>();
    for (const row of open)
      if (!byCustomer.has(row.id_cliente ?? "")) byCustomer.set(row.id_cliente ?? "", row);
    for (const row of ixc.tables.fn_areceber)
      if (row.status === "A" || row.status === "P") row.data_vencimento = "2026-06-30";
    const [preDue, overdue, beforeBlock, field, blocked] = [...byCustomer.values()];
    Object.assign(rows, { preDue, overdue, beforeBlock, field, blocked });
    Object.assign(preDue!, {
      data_vencimento: "2026-03-19",
      linha_digitavel: "",
      nn_boleto: "",
      impresso: "N",
    });
    overdue!.data_vencimento = "2026-03-15";
    beforeBlock!.data_vencimento = "2026-03-06";
    Object.assign(field!, { data_vencimento: "2026-02-24", valor: "129.90", valor_aberto: "129.90" });
    blocked!.data_vencimento = "2026-03-06";
    ixc.setBlocked(blocked!.id_cliente!, true);

    store = createSqliteStore({ file: ":memory:", secretKey: "b".repeat(64), clock });
    await store.migrate();
    const source: Connector = await connect(ixc, {
      ticket: { idAssunto: "7", idTicketSetor: "3" },
      pageSize: 50,
    });
    const channelOptions = opaChannel.optionsSchema.parse({
      baseUrl: opa.url,
      token: OPA_TOKEN,
      channelId: DEFAULT_CANAL,
    });
    const channel = await opaChannel.create(channelOptions, createTestContext({ instanceId: "opa", clock }));
    engine = createEngine({
      store,
      connectors: new Map([["provedor", source]]),
      channels: new Map([["opa", channel]]),
      policy: parsePolicy(IXC_ISP_POLICY_YAML, "isp-policy.yaml"),
      clock,
      log: createTestContext({ instanceId: "engine" }).log,
      workerId: "w1",
      random: () => 0.5,
    });
  });
  afterAll(async () => {
    await store?.close();
    await ixc?.close();
    await opa?.close();
  });

  it("reminds before the due date with the boleto line, notices overdue with PIX, warns before the block", async () => {
    await cycle();
    expect(sentTo(rows.preDue)).toEqual(["lembrete_vencimento"]);
    // The boleto had never been printed: the read before the send printed it for its line.
    const reminder = opa.messages.find((m) => m.canalCliente === phoneOf(rows.preDue));
    expect(rows.preDue.impresso).toBe("S");
    expect(reminder?.mensagem).toContain(`Linha digitável: ${rows.preDue.linha_digitavel}`);
    expect(reminder?.mensagem).toContain("vence em 19/03/2026");
    expect(sentTo(rows.overdue)).toEqual(["aviso_cobranca"]);
    expect(opa.messages.find((m) => m.canalCliente === phoneOf(rows.overdue))?.mensagem).toMatch(
      /PIX copia e cola: 000201/,
    );
    expect(sentTo(rows.beforeBlock)).toEqual(["aviso_bloqueio"]);
    // Already blocked in IXC (status_internet CA): no warning about a block that happened; the
    // latest step that applies is the question about the debt.
    expect(sentTo(rows.blocked)).toEqual(["questionamento_pendencia"]);
    // Nothing for the receivables due in June.
    expect(opa.messages).toHaveLength(4);
  });

  it("reads delivery statuses back from Opa, which posts no status webhook", async () => {
    const idOf = (row: IxcRow) => opa.messages.find((m) => m.canalCliente === phoneOf(row))?._id ?? "";
    opa.setStatus(idOf(rows.preDue), "entregue");
    opa.setStatus(idOf(rows.overdue), "lido");
    const statusOf = async (row: IxcRow) =>
      (await store.listActions({ channel: "opa" })).find((a) => a.providerMessageId === idOf(row))?.status;
    expect(await statusOf(rows.preDue)).toBe("sent");
    clock.advance(6 * 60_000); // polls run at most every 5 minutes per channel
    const summary = await engine.dispatch();
    expect(summary.polled).toBe(2);
    expect(await statusOf(rows.preDue)).toBe("delivered");
    expect(await statusOf(rows.overdue)).toBe("read");
    expect(await statusOf(rows.beforeBlock)).toBe("sent"); // Opa still says "enviado"
    // Within the next five minutes no one asks Opa again.
    const asked = opa.requests.filter((r) => r.path.includes("/atendimento/mensagem/")).length;
    await engine.dispatch();
    expect(opa.requests.filter((r) => r.path.includes("/atendimento/mensagem/")).length).toBe(asked);
  });

  it("escalates to Cobrança Presencial past 20 days, as an open ticket in IXC", async () => {
    const escalated = ixc.tables.su_ticket.filter((t) => t.id_cliente === rows.field.id_cliente);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ su_status: "N", id_assunto: "7", id_ticket_setor: "3" });
    expect(escalated[0]?.menssagem).toContain(rows.field.id);
    expect(sentTo(rows.field)).toEqual([]);
    // Every message sent is a ticket too, written as solved, once.
    for (const row of [rows.preDue, rows.overdue, rows.beforeBlock]) {
      const tickets = ixc.tables.su_ticket.filter((t) => t.id_cliente === row.id_cliente);
      expect(tickets.map((t) => t.su_status)).toEqual(["S"]);
    }
  });

  it("confirms the payment (Baixa) when the receivable turns R; a cancellation (C) is never confirmed as paid", async () => {
    ixc.markPaid(rows.overdue.id!, "2026-03-17");
    ixc.cancel(rows.beforeBlock.id!, "2026-03-17");
    clock.advance(DAY);
    await cycle();
    expect(sentTo(rows.overdue)).toEqual(["aviso_cobranca", "baixa_pagamento"]);
    const baixa = opa.messages.find(
      (m) => m.canalCliente === phoneOf(rows.overdue) && m.mensagem.startsWith("Obrigado"),
    );
    const total = formatMoney(
      { amountMinor: toMinorUnits(rows.overdue.valor!, "BRL"), currency: "BRL" },
      "pt-BR",
    );
    expect(baixa?.mensagem).toContain(total);
    expect(sentTo(rows.beforeBlock)).toEqual(["aviso_bloqueio", "cancelamento_titulo"]);
    // A cycle later the same day sends nothing again.
    const before = opa.messages.length;
    await cycle();
    expect(opa.messages).toHaveLength(before);
  });
});
