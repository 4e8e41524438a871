import { type Clock, EVENT_MAX_SKEW_MS, type KeyValueState, type Logger } from "@regua/core";
import { LRUCache } from "lru-cache";

/** Free-form messages are allowed for 24 h after the customer's last message to the business. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Numbers remembered in memory; older ones are read back from ctx.state when needed. */
const MEMORY_ENTRIES = 10_000;

/**
 * The customer service window per number
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows),
 * fed by parsed inbound webhooks. Kept in memory and in ctx.state, so a restart or another
 * replica that received the webhook still knows.
 */
export class ServiceWindow {
  // Bounded (LRU): a flood of senders cannot grow memory, only evict entries state still holds.
  private readonly lastInbound = new LRUCache<string, number>({ max: MEMORY_ENTRIES });

  constructor(
    private readonly state: KeyValueState,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Called from the synchronous webhook parse; the durable write happens in the background. */
  record(e164: string, atIso: string): void {
    const at = Date.parse(atIso);
    // A message older than the window opens nothing, and one from the future is not believed.
    const ageMs = this.clock.now().getTime() - at;
    if (!(ageMs < SERVICE_WINDOW_MS && ageMs > -EVENT_MAX_SKEW_MS)) return;
    if (!(at > (this.lastInbound.get(e164) ?? Number.NEGATIVE_INFINITY))) return;
    this.lastInbound.set(e164, at);
    this.state.set(stateKey(e164), new Date(at).toISOString()).catch((error: unknown) => {
      this.log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "could not persist the service window",
      );
    });
  }

  /** Meta said the window is closed (131047): believe it until the customer writes again. */
  close(e164: string): void {
    this.lastInbound.set(e164, Number.NEGATIVE_INFINITY);
    this.state.delete(stateKey(e164)).catch((error: unknown) => {
      this.log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "could not persist the closed service window",
      );
    });
  }

  async isOpen(e164: string): Promise<boolean> {
    let at = this.lastInbound.get(e164);
    if (at === undefined) {
      const stored = await this.state.get(stateKey(e164));
      at = stored ? Date.parse(stored) : Number.NaN;
      if (!Number.isNaN(at)) this.lastInbound.set(e164, at);
    }
    return at !== undefined && !Number.isNaN(at) && this.clock.now().getTime() - at < SERVICE_WINDOW_MS;
  }
}

function stateKey(e164: string): string {
  return `whatsapp:last-inbound:${e164}`;
}
