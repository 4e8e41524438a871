import type { ChannelEvent } from "@regua/core";
import { afterEach, describe, expect, it } from "vitest";
import { tierRecipients } from "../src/account.js";
import {
  qualityUpdate,
  THROUGHPUT_UPGRADE,
  templateEvent,
  templatePaused,
  WABA_ID_OF_SAMPLES,
} from "./fixtures/meta-webhooks.js";
import { captureError, createChannel, signedWebhook, startFake, startReceiver } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function channelFor(overrides: Parameters<typeof createChannel>[1] = {}) {
  const fake = await startFake();
  cleanup.push(() => fake.close());
  return { fake, ...(await createChannel(fake, overrides)) };
}

describe("message_template_status_update (Meta's reference payloads)", () => {
  it("a paused template becomes a template_status event with Meta's time, title and explanation", async () => {
    const { channel } = await channelFor();
    const events = channel.webhook?.parse(signedWebhook(templatePaused())) ?? [];
    expect(events).toEqual([
      {
        kind: "template_status",
        eventId: `template:${WABA_ID_OF_SAMPLES}:1689556908129832:PAUSED:1739321024`,
        at: "2025-02-12T00:43:44.000Z",
        template: { name: "order_confirmation", language: "en_US", providerId: "1689556908129832" },
        status: "paused",
        providerEvent: "PAUSED/FIRST_PAUSE",
        reason: null,
        detail: "Your WhatsApp message template has been paused for 3 hours until Jun 28 at 7:33 AM UTC.",
      },
    ]);
  });

  it.each([
    ["APPROVED", "approved"],
    ["REINSTATED", "approved"],
    ["FLAGGED", "flagged"],
    ["DISABLED", "disabled"],
    ["REJECTED", "rejected"],
    ["PENDING_DELETION", "deleted"],
    ["PENDING", "pending"],
  ])("%s → %s", async (event, status) => {
    const { channel } = await channelFor();
    const [parsed] = channel.webhook?.parse(signedWebhook(templateEvent(event))) ?? [];
    expect(parsed).toMatchObject({ kind: "template_status", status, providerEvent: event });
  });

  it("keeps a rejection's reason, tolerates fields it does not know, skips events that change nothing", async () => {
    const { channel } = await channelFor();
    const rejected = templateEvent("REJECTED", {
      reason: "INVALID_FORMAT",
      rejection_info: {
        reason: "The template has a formatting issue.",
        recommendation: "Fix the variables.",
      },
      future_field: { nested: true },
    });
    expect(channel.webhook?.parse(signedWebhook(rejected))).toMatchObject([
      { status: "rejected", reason: "INVALID_FORMAT", detail: "The template has a formatting issue." },
    ]);
    expect(channel.webhook?.parse(signedWebhook(templateEvent("LOCKED")))).toEqual([]);
  });

  it("a payload without the template's name is refused as Meta's shape is not met", async () => {
    const { channel } = await channelFor();
    const broken = templateEvent("PAUSED");
    const value = broken.entry[0]?.changes[0]?.value as Record<string, unknown>;
    delete value.message_template_name;
    const error = await captureError(async () => channel.webhook?.parse(signedWebhook(broken)));
    expect(error).toMatchObject({ code: "VALIDATION" });
    expect(String((error as Error).message)).toContain("message_template_name");
  });

  it("events of another WhatsApp Business Account (a shared app) are not this channel's", async () => {
    const { channel } = await channelFor({ wabaId: "999999999999999" });
    expect(channel.webhook?.parse(signedWebhook(templatePaused()))).toEqual([]);
  });
});

describe("phone_number_quality_update", () => {
  it("the reference's throughput upgrade: limit TIER_UNLIMITED, no daily cap", async () => {
    const { channel } = await channelFor();
    expect(channel.webhook?.parse(signedWebhook(THROUGHPUT_UPGRADE))).toEqual([
      {
        kind: "channel_quality",
        eventId: `quality:${WABA_ID_OF_SAMPLES}:15550783881:THROUGHPUT_UPGRADE:TIER_UNLIMITED:1748454394`,
        at: "2025-05-28T17:46:34.000Z",
        change: "other",
        providerEvent: "THROUGHPUT_UPGRADE",
        phoneNumber: "15550783881",
        limit: "TIER_UNLIMITED",
        previousLimit: null,
        dailyRecipients: null,
      },
    ]);
  });

  it("a downgrade carries the new tier's daily reach; the newer field wins over current_limit", async () => {
    const { channel } = await channelFor();
    const downgrade = qualityUpdate({
      display_phone_number: "15550783881",
      event: "DOWNGRADE",
      old_limit: "TIER_1K",
      current_limit: "TIER_250",
    });
    expect(channel.webhook?.parse(signedWebhook(downgrade))).toMatchObject([
      { change: "downgrade", limit: "TIER_250", previousLimit: "TIER_1K", dailyRecipients: 250 },
    ]);
    const portfolio = qualityUpdate({
      display_phone_number: "15550783881",
      event: "UPGRADE",
      current_limit: "TIER_1K",
      max_daily_conversations_per_business: "TIER_2K",
    });
    expect(channel.webhook?.parse(signedWebhook(portfolio))).toMatchObject([
      { change: "upgrade", limit: "TIER_2K", dailyRecipients: 2000 },
    ]);
  });

  it("with displayPhoneNumber set, another number's update is ignored", async () => {
    const { channel } = await channelFor({ displayPhoneNumber: "+1 555 000 0000" });
    expect(channel.webhook?.parse(signedWebhook(THROUGHPUT_UPGRADE))).toEqual([]);
  });

  it("tiers → unique customers a rolling 24 h", () => {
    expect(["TIER_50", "TIER_250", "TIER_1K", "TIER_10K", "TIER_100K"].map(tierRecipients)).toEqual([
      50, 250, 1000, 10_000, 100_000,
    ]);
    expect(tierRecipients("TIER_UNLIMITED")).toBeNull();
    expect(tierRecipients("TIER_NOT_SET")).toBeNull();
  });
});

describe("the fake Graph API plays Meta's account events, signed", () => {
  it("pausing a template posts the webhook and refuses sends of it with 132015 until it is approved", async () => {
    const { fake, channel } = await channelFor();
    const receiver = await startReceiver(channel);
    cleanup.push(() => receiver.close());
    fake.setWebhookUrl(receiver.url);
    const message = {
      actionKey: "k1",
      to: "+5511987654321",
      template: {
        name: "confirmacao_pagamento",
        language: "pt_BR",
        body: [{ type: "text" as const, text: "Ana" }],
      },
      preview: "p",
    };
    fake.templateStatus("confirmacao_pagamento", "PAUSED", {
      otherInfo: { title: "FIRST_PAUSE", description: "paused for 3 hours" },
    });
    expect(await captureError(() => channel.send(message))).toMatchObject({
      templateStatus: "paused",
      provider: { code: 132015 },
    });
    fake.templateStatus("confirmacao_pagamento", "APPROVED");
    fake.qualityUpdate("DOWNGRADE", "TIER_250", "TIER_1K");
    await fake.idle();
    await channel.send(message);
    expect(receiver.rejected).toBe(0);
    const account = receiver.events.filter(
      (e): e is Exclude<ChannelEvent, { kind: "status" | "inbound" }> =>
        e.kind === "template_status" || e.kind === "channel_quality",
    );
    expect(account.map((e) => (e.kind === "template_status" ? e.status : e.change))).toEqual([
      "paused",
      "approved",
      "downgrade",
    ]);
  });

  it("an expired token answers 190 on every call until it is restored", async () => {
    const { fake, channel } = await channelFor();
    fake.expireToken();
    expect(await channel.healthCheck()).toMatchObject({ ok: false });
    fake.restoreToken();
    expect(await channel.healthCheck()).toMatchObject({ ok: true });
  });
});
