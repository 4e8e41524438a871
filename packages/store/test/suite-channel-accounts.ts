import { type ChannelAccountStore, templateWaitReason } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const T0 = "2026-03-10T12:00:00.000Z";
const T1 = "2026-03-10T12:05:00.000Z";
const T2 = "2026-03-10T12:10:00.000Z";

const paused = {
  channel: "wa",
  name: "lembrete_vencimento",
  language: "pt_BR",
  status: "paused" as const,
  providerEvent: "PAUSED/FIRST_PAUSE",
  reason: null,
  detail: "paused for 3 hours",
  providerId: "1689556908129832",
  at: T1,
};

/** Channel accounts (migration 0290): template statuses, quality and limit, suspension, daily reach. */
export function channelAccountTests(factory: StoreFactory): void {
  const store = useStore(factory);
  const accounts = (): ChannelAccountStore => {
    const found = store().channelAccounts;
    if (!found) throw new Error("store without channel accounts");
    return found;
  };

  it("keeps a template's latest status; a late, older event does not undo it", async () => {
    expect(await accounts().recordTemplateStatus(paused)).toBe(true);
    const approvedEarlier = { ...paused, status: "approved" as const, providerEvent: "APPROVED", at: T0 };
    expect(await accounts().recordTemplateStatus(approvedEarlier)).toBe(false);
    expect(await accounts().templateStatus("wa", "lembrete_vencimento", "pt_BR")).toEqual(paused);
    const reinstated = { ...paused, status: "approved" as const, providerEvent: "REINSTATED", at: T2 };
    expect(await accounts().recordTemplateStatus(reinstated)).toBe(true);
    expect(await accounts().templateStatuses("wa")).toEqual([reinstated]);
    expect(await accounts().templateStatuses("other")).toEqual([]);
    expect(await accounts().templateStatus("wa", "lembrete_vencimento", "en_US")).toBeNull();
  });

  it("a downgrade degrades the channel until an upgrade; an unrelated change keeps the state", async () => {
    const downgrade = {
      change: "downgrade" as const,
      providerEvent: "DOWNGRADE",
      limit: "TIER_250",
      previousLimit: "TIER_1K",
      dailyRecipients: 250,
      at: T0,
    };
    expect(await accounts().recordQuality("wa", downgrade)).toBe(true);
    expect(await accounts().channelState("wa")).toMatchObject({
      degraded: true,
      limit: "TIER_250",
      previousLimit: "TIER_1K",
      dailyRecipients: 250,
      qualityChange: "downgrade",
      suspendedReason: null,
    });
    const onboarding = { ...downgrade, change: "other" as const, providerEvent: "ONBOARDING", at: T1 };
    expect(await accounts().recordQuality("wa", onboarding)).toBe(true);
    expect((await accounts().channelState("wa"))?.degraded).toBe(true);
    // Older than what is stored: ignored.
    expect(await accounts().recordQuality("wa", { ...downgrade, change: "upgrade", at: T0 })).toBe(false);
    const upgrade = {
      ...downgrade,
      change: "upgrade" as const,
      limit: "TIER_1K",
      dailyRecipients: 1000,
      at: T2,
    };
    expect(await accounts().recordQuality("wa", upgrade)).toBe(true);
    expect(await accounts().channelState("wa")).toMatchObject({ degraded: false, dailyRecipients: 1000 });
  });

  it("a suspension is kept with its reason and cleared, beside the quality of the same channel", async () => {
    await accounts().recordQuality("wa", {
      change: "flagged",
      providerEvent: "FLAGGED",
      limit: null,
      previousLimit: null,
      dailyRecipients: null,
      at: T0,
    });
    await accounts().setSuspension("wa", { reason: "whatsapp 190: Session has expired", at: T1 });
    await accounts().setSuspension("sms", { reason: "401", at: T1 });
    expect(await accounts().channelStates()).toMatchObject([
      { channel: "sms", suspendedReason: "401", degraded: false, limit: null },
      {
        channel: "wa",
        suspendedReason: "whatsapp 190: Session has expired",
        suspendedAt: T1,
        degraded: true,
      },
    ]);
    await accounts().setSuspension("wa", null);
    expect(await accounts().channelState("wa")).toMatchObject({ suspendedReason: null, degraded: true });
  });

  it("wakes only the planned sends of that channel waiting for that template", async () => {
    const later = "2026-03-10T13:00:00.000Z";
    await store().insertActions([action("a"), action("b"), action("c", { channel: "sms" }), action("d")], AT);
    const reason = `${templateWaitReason("lembrete_vencimento", "pt_BR")}paused`;
    for (const key of ["a", "c"]) {
      await store().transitionAction(key, ["planned"], "planned", {
        at: T0,
        dueAt: later,
        statusReason: reason,
      });
    }
    // Same prefix save for "_": LIKE would take it for a wildcard.
    const lookalike = `${templateWaitReason("lembreteXvencimento", "pt_BR")}paused`;
    await store().transitionAction("b", ["planned"], "planned", {
      at: T0,
      dueAt: later,
      statusReason: lookalike,
    });
    const prefix = templateWaitReason("lembrete_vencimento", "pt_BR");
    expect(await accounts().wakeWaiting({ channel: "wa", reasonPrefix: prefix, at: T1 })).toBe(1);
    expect((await store().getAction("a"))?.dueAt).toBe(T1);
    expect((await store().getAction("b"))?.dueAt).toBe(later);
    expect((await store().getAction("c"))?.dueAt).toBe(later);
  });

  it("counts the distinct customers a channel messaged since an instant", async () => {
    await store().insertActions(
      [
        action("a1", { customerRef: "C1" }),
        action("a2", { customerRef: "C1", stepId: "d+3" }),
        action("b1", { customerRef: "C2" }),
        action("x1", { customerRef: "C3", channel: "sms" }),
        action("old", { customerRef: "C4" }),
        action("waiting", { customerRef: "C5" }),
      ],
      AT,
    );
    const sentAt = { a1: T0, a2: T1, b1: T2, x1: T1, old: "2026-03-09T11:00:00.000Z" };
    for (const [key, at] of Object.entries(sentAt)) {
      await store().transitionAction(key, ["planned"], "sent", {
        at,
        sentAt: at,
        providerMessageId: `w.${key}`,
      });
    }
    const since = "2026-03-09T12:00:00.000Z";
    const reach = (customerRef: string) =>
      accounts().recentRecipients({ channel: "wa", since, customer: { source: "erp", customerRef } });
    expect(await reach("C1")).toEqual({ count: 2, includes: true, oldestSentAt: T0 });
    expect(await reach("C5")).toEqual({ count: 2, includes: false, oldestSentAt: T0 });
    expect(await reach("C4")).toMatchObject({ includes: false });
  });
}
