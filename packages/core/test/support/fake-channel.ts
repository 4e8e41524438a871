import type { Channel, ChannelCapabilities, OutboundMessage } from "../../src/contracts.js";

type Behaviour =
  | "accept"
  | "accept-then-hang"
  | Error
  | { acceptThenThrow: Error }
  | { waitFor: Promise<void> };

/**
 * A messaging provider in memory. `accepted` is what the provider took (what the customer
 * gets); scripted behaviours make the next sends fail, or hang after the provider accepted
 * (the process dies while waiting for the answer).
 */
export class FakeChannel implements Channel {
  readonly capabilities: ChannelCapabilities = {
    templates: true,
    freeText: true,
    documents: true,
    statuses: true,
    inbound: true,
  };
  readonly rateLimit: { perSecond: number };
  readonly accepted: { providerMessageId: string; message: OutboundMessage }[] = [];
  readonly script: Behaviour[] = [];
  calls = 0;
  /** Resolves when the provider accepted the message of a hanging send. */
  onAccepted: (() => void) | null = null;

  constructor(perSecond = 10) {
    this.rateLimit = { perSecond };
  }

  /** Set to offer a lookup by action key (Channel.lookupSend), answered from `accepted`. */
  lookupSend: ((actionKey: string) => Promise<{ providerMessageId: string } | null>) | undefined;

  enableLookup(): void {
    this.lookupSend = async (actionKey) => {
      const found = this.accepted.find((a) => a.message.actionKey === actionKey);
      return found ? { providerMessageId: found.providerMessageId } : null;
    };
  }

  /** How many messages the provider took for one action key. */
  acceptedFor(actionKey: string): number {
    return this.accepted.filter((a) => a.message.actionKey === actionKey).length;
  }

  async send(message: OutboundMessage): Promise<{ providerMessageId: string }> {
    this.calls += 1;
    const behaviour = this.script.shift() ?? "accept";
    if (behaviour instanceof Error) throw behaviour;
    // A slow provider: the send is in flight until the test lets it through.
    if (typeof behaviour === "object" && "waitFor" in behaviour) await behaviour.waitFor;
    const providerMessageId = `wamid.${this.accepted.length + 1}`;
    this.accepted.push({ providerMessageId, message: structuredClone(message) });
    this.onAccepted?.();
    if (behaviour === "accept-then-hang") return new Promise(() => {});
    if (typeof behaviour === "object" && "acceptThenThrow" in behaviour) throw behaviour.acceptThenThrow;
    return { providerMessageId };
  }

  sentTo(phone: string): number {
    return this.accepted.filter((a) => a.message.to === phone).length;
  }

  /** What healthCheck answers; false plays a provider that still refuses the credentials. */
  healthy = true;
  healthChecks = 0;

  async healthCheck() {
    this.healthChecks += 1;
    return { ok: this.healthy, detail: this.healthy ? "fake" : "token refused" };
  }

  async close(): Promise<void> {}
}
