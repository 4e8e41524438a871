import type { NewOperator } from "@regua/core";
import { expect, it } from "vitest";
import { payment, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const T0 = "2026-03-10T12:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
/** A PHC-shaped string: the store never hashes, it only refuses what is not a hash. */
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

const operator = (id: string, overrides: Partial<NewOperator> = {}): NewOperator => ({
  id,
  name: id.toUpperCase(),
  email: `${id}@example.com`,
  role: "operator",
  whatsapp: true,
  passwordHash: HASH,
  at: T0,
  ...overrides,
});

/** Operators, sessions and assignments of the operator console (migration 0270, issue 14). */
export function operatorTests(factory: StoreFactory): void {
  const store = useStore(factory);
  const operators = () => store().operators;

  it("adds operators with unique ids and case-insensitive unique e-mails, never a clear password", async () => {
    const ana = await operators().addOperator(operator("ana", { email: " Ana@Example.COM " }));
    expect(ana).toMatchObject({
      id: "ana",
      email: "ana@example.com",
      role: "operator",
      whatsapp: true,
      available: false,
      disabled: false,
      createdAt: T0,
    });
    await expect(operators().addOperator(operator("ana", { email: "other@example.com" }))).rejects.toThrow(
      /already exists/,
    );
    await expect(operators().addOperator(operator("bia", { email: "ANA@example.com" }))).rejects.toThrow(
      /already exists/,
    );
    await expect(operators().addOperator(operator("cid", { passwordHash: "hunter2" }))).rejects.toThrow(
      /argon2/,
    );
    const login = await operators().findOperatorForLogin("ANA@example.com");
    expect(login?.operator.id).toBe("ana");
    expect(login?.passwordHash).toBe(HASH);
    expect(await operators().findOperatorForLogin("nobody@example.com")).toBeNull();
    expect((await operators().listOperators()).map((o) => o.id)).toEqual(["ana"]);
  });

  it("updates role, permission, availability and password", async () => {
    await operators().addOperator(operator("ana"));
    const updated = await operators().updateOperator("ana", {
      role: "supervisor",
      whatsapp: false,
      available: true,
      passwordHash: `${HASH}x`,
      at: at(5),
    });
    expect(updated).toMatchObject({ role: "supervisor", whatsapp: false, available: true, updatedAt: at(5) });
    expect((await operators().findOperatorForLogin("ana@example.com"))?.passwordHash).toBe(`${HASH}x`);
    expect(await operators().updateOperator("ghost", { available: true, at: at(5) })).toBeNull();
  });

  it("routes to the available, permitted operator holding the fewest conversations, then the least recently assigned", async () => {
    for (const id of ["ana", "bia", "cid", "dan"]) await operators().addOperator(operator(id));
    await operators().updateOperator("dan", { whatsapp: false, at: T0 });
    expect(await operators().nextAvailableOperator()).toBeNull();
    for (const id of ["ana", "bia", "cid", "dan"])
      await operators().updateOperator(id, { available: true, at: T0 });
    await operators().updateOperator("cid", { disabled: true, at: T0 });
    // ana and bia both hold nothing and were never assigned: by id.
    expect((await operators().nextAvailableOperator())?.id).toBe("ana");

    const open = async (phone: string, operatorId: string, minute: number) => {
      const { conversation } = await store().openConversation({
        channel: "wa",
        phone,
        status: "with_operator",
        origin: "active_reply",
        operatorId,
        at: at(minute),
      });
      await operators().recordAssignment({
        conversationId: conversation.id,
        fromOperatorId: null,
        toOperatorId: operatorId,
        by: "routing",
        reason: null,
        at: at(minute),
      });
      return conversation;
    };
    const first = await open("+5511987650001", "ana", 1);
    expect((await operators().nextAvailableOperator())?.id).toBe("bia");
    await open("+5511987650002", "bia", 2);
    // Both hold one: ana was assigned longer ago.
    expect((await operators().nextAvailableOperator())?.id).toBe("ana");
    expect((await operators().nextAvailableOperator({ exclude: ["ana"] }))?.id).toBe("bia");
    // A closed conversation is no longer held.
    await store().updateConversation(first.id, { status: "closed", at: at(3) });
    await open("+5511987650003", "bia", 4);
    expect((await operators().nextAvailableOperator())?.id).toBe("ana");
    await operators().updateOperator("ana", { available: false, at: at(5) });
    expect((await operators().nextAvailableOperator())?.id).toBe("bia");
  });

  it("keeps sessions by token hash, moves them on use and purges idle and too old ones", async () => {
    await operators().addOperator(operator("ana"));
    await operators().addOperator(operator("bia"));
    const session = (tokenHash: string, operatorId: string, createdAt: string) => ({
      tokenHash,
      operatorId,
      csrfSecret: `csrf-${tokenHash}`,
      createdAt,
      lastSeenAt: createdAt,
    });
    await operators().createSession(session("h1", "ana", T0));
    await operators().createSession(session("h2", "ana", at(10)));
    await operators().createSession(session("h3", "bia", at(20)));
    const found = await operators().getSession("h1");
    expect(found?.operator.id).toBe("ana");
    expect(found?.session).toMatchObject({ csrfSecret: "csrf-h1", createdAt: T0, lastSeenAt: T0 });
    await operators().touchSession("h1", at(30));
    await operators().touchSession("h1", at(25)); // never backwards
    expect((await operators().getSession("h1"))?.session.lastSeenAt).toBe(at(30));
    expect(await operators().getSession("unknown")).toBeNull();

    // h2 idle since minute 10; h1 created at 0 (absolute limit), h3 fresh.
    expect(await operators().purgeSessions({ idleBefore: at(15), createdBefore: at(5) })).toBe(2);
    expect(await operators().getSession("h1")).toBeNull();
    expect(await operators().getSession("h2")).toBeNull();
    expect(await operators().getSession("h3")).not.toBeNull();

    await operators().createSession(session("h4", "bia", at(21)));
    expect(await operators().deleteSessionsOf("bia")).toBe(2);
    await operators().createSession(session("h5", "ana", at(22)));
    await operators().deleteSession("h5");
    expect(await operators().getSession("h5")).toBeNull();
  });

  it("records a conversation's assignments and transfers in order", async () => {
    const { conversation } = await store().openConversation({
      channel: "wa",
      phone: "+5511987650009",
      status: "with_operator",
      origin: "receptive",
      at: T0,
    });
    const steps = [
      { from: null, to: "ana", by: "routing", reason: null },
      { from: "ana", to: "bia", by: "operator:ana", reason: "boleto question" },
      { from: "bia", to: null, by: "operator:sup", reason: "back to the queue" },
    ];
    for (const [i, step] of steps.entries()) {
      await operators().recordAssignment({
        conversationId: conversation.id,
        fromOperatorId: step.from,
        toOperatorId: step.to,
        by: step.by,
        reason: step.reason,
        at: at(i),
      });
    }
    const history = await operators().listAssignments(conversation.id);
    expect(history.map((a) => [a.fromOperatorId, a.toOperatorId, a.by, a.reason, a.at])).toEqual(
      steps.map((s, i) => [s.from, s.to, s.by, s.reason, at(i)]),
    );
    expect(await operators().listAssignments(conversation.id + 1)).toEqual([]);
  });

  it("sums the payments a customer made on or after the day of a conversation", async () => {
    const open = async (phone: string, customerRef: string | null, operatorId: string, minute: number) =>
      (
        await store().openConversation({
          channel: "wa",
          phone,
          status: "with_operator",
          origin: "active_reply",
          source: customerRef ? "erp" : null,
          customerRef,
          operatorId,
          at: at(minute),
        })
      ).conversation.id;
    const withPayment = await open("+5511987650001", "C1", "ana", 0);
    const nothingAfter = await open("+5511987650002", "C2", "bia", 1);
    await open("+5511987650003", null, "bia", 2);
    await store().commitPage({
      source: "erp",
      entity: "payments",
      payments: [
        payment("P1", "I1", "2026-03-10", { customerRef: "C1" }),
        payment("P2", "I2", "2026-03-12", {
          customerRef: "C1",
          amount: { amountMinor: 2_500, currency: "BRL" },
        }),
        payment("P3", "I3", "2026-03-09", { customerRef: "C2" }),
      ],
      cursor: null,
      at: at(10),
    });
    const rows = await operators().paymentsAfterConversations({ from: T0, to: at(60 * 24) });
    expect(rows).toEqual([
      { conversationId: withPayment, operatorId: "ana", currency: "BRL", amountMinor: 12_500, payments: 2 },
    ]);
    expect(rows.some((r) => r.conversationId === nothingAfter)).toBe(false);
    expect(await operators().paymentsAfterConversations({ from: at(1), to: at(60) })).toEqual([]);
  });
}
