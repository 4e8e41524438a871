import { ManualClock, type OutboundMessage, RateLimitError } from "@regua/core";
import type { FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterEach, describe, expect, it } from "vitest";
import { captureError, createChannel, startFake } from "./helpers.js";

const fakes: FakeGraphApi[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

const message = (to: string, n: number): OutboundMessage => ({
  actionKey: `k-${to}-${n}`,
  to,
  template: { name: "confirmacao_pagamento", language: "pt_BR", body: [{ type: "text", text: "Ana" }] },
  preview: "p",
});

/** Lets pending HTTP round trips to the fake finish without moving the injected clock. */
async function settle(fake: FakeGraphApi, count: number): Promise<void> {
  for (let i = 0; i < 200 && fake.sent.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 30));
}

describe("throughput limit of the phone number (injected clock)", () => {
  it("holds sends beyond the tier until the clock grants tokens", async () => {
    const fake = await startFake({ ratePerSecond: 1000 });
    fakes.push(fake);
    const clock = new ManualClock("2026-03-15T12:00:00Z");
    const { channel } = await createChannel(fake, { tier: { perSecond: 10 } }, clock);
    // the burst is two tenths of a second of throughput: 2 tokens at 10/s
    const sends = Array.from({ length: 5 }, (_, i) => channel.send(message(`+55119000000${10 + i}`, i)));
    await settle(fake, 2);
    expect(fake.sent).toHaveLength(2);
    clock.advance(100);
    await settle(fake, 3);
    expect(fake.sent).toHaveLength(3);
    // queued sends keep their booked slots (100 ms apart): at +300 ms the fourth and fifth are due
    clock.advance(200);
    await settle(fake, 5);
    expect(fake.sent).toHaveLength(5);
    await Promise.all(sends);
    // an idle bucket never holds more than its burst: after 2 s of silence, two sends at once
    clock.advance(2000);
    const later = Array.from({ length: 4 }, (_, i) => channel.send(message(`+55119000000${20 + i}`, i)));
    await settle(fake, 7);
    expect(fake.sent).toHaveLength(7);
    clock.advance(100);
    await settle(fake, 8);
    expect(fake.sent).toHaveLength(8);
    clock.advance(100);
    await settle(fake, 9);
    expect(fake.sent).toHaveLength(9);
    await Promise.all(later);
  });

  it("does not hold again a send the engine's gate released at its slot", async () => {
    const fake = await startFake({ ratePerSecond: 1000 });
    fakes.push(fake);
    const clock = new ManualClock("2026-03-15T12:00:00Z");
    const { channel } = await createChannel(fake, { tier: { perSecond: 80 } }, clock);
    const start = clock.now().getTime();
    // The engine's gate (80/s, a burst of 8) released the burst at `start`; it reached the
    // channel a millisecond later. Each later send comes at its whole-millisecond slot,
    // start + ⌈12.5·k⌉, earlier than this bucket's own phase (a millisecond later) would allow.
    clock.advance(1);
    const sends = Array.from({ length: 8 }, (_, i) => channel.send(message(`+55119000001${10 + i}`, i)));
    await settle(fake, 8);
    expect(fake.sent).toHaveLength(8);
    for (let k = 1; k <= 4; k++) {
      clock.advance(start + Math.ceil(12.5 * k) - clock.now().getTime());
      sends.push(channel.send(message(`+55119000002${10 + k}`, k)));
      await settle(fake, 8 + k);
      expect(fake.sent).toHaveLength(8 + k);
    }
    await Promise.all(sends);
  });

  it("paces messages to the same recipient by perRecipientMinIntervalMs", async () => {
    const fake = await startFake({ ratePerSecond: 1000 });
    fakes.push(fake);
    const clock = new ManualClock("2026-03-15T12:00:00Z");
    const { channel } = await createChannel(
      fake,
      { tier: "upgraded", perRecipientMinIntervalMs: 6000 },
      clock,
    );
    const first = channel.send(message("+5511911110000", 1));
    const second = channel.send(message("+5511911110000", 2));
    const other = channel.send(message("+5511922220000", 1));
    await settle(fake, 2);
    expect(fake.sent.map((s) => s.to).sort()).toEqual(["5511911110000", "5511922220000"]);
    clock.advance(5999);
    await settle(fake, 3);
    expect(fake.sent).toHaveLength(2);
    clock.advance(1);
    await settle(fake, 3);
    expect(fake.sent).toHaveLength(3);
    await Promise.all([first, second, other]);
  });

  it("surfaces the fake's own throttling (130429) as a RateLimitError when the tier is set too high", async () => {
    const fake = await startFake({ ratePerSecond: 2 });
    fakes.push(fake);
    const { channel } = await createChannel(fake, { tier: "upgraded" });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => channel.send(message("+5511933330000", i))),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(RateLimitError);
      expect(r.reason).toMatchObject({ retryAfterMs: 1000, provider: { code: 130429 } });
    }
    expect(await captureError(() => channel.send(message("+5511933330000", 9)))).toBeInstanceOf(
      RateLimitError,
    );
  });
});
