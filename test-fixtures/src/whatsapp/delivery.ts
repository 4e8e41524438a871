import { createHmac } from "node:crypto";

/** A seeded PRNG (mulberry32): the same seed gives the same delays, duplicates and reorderings. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WebhookDelivery {
  payload: unknown;
  /** HTTP status the receiver answered, or 0 when it could not be reached. */
  status: number;
  duplicate: boolean;
}

export interface WebhookSenderOptions {
  appSecret: string;
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  random: () => number;
  /** Real delays are divided by this: 10 → ten times faster than Meta. */
  clockSpeed: number;
  duplicateRate: number;
  outOfOrderRate: number;
  /** Event time for the timestamps in payloads. */
  nowMs: () => number;
}

export interface StatusError {
  code: number;
  title: string;
  message: string;
  details?: string;
}

/**
 * Posts webhooks the way Meta does: a JSON body signed with the app secret in
 * `X-Hub-Signature-256: sha256=<hex>`
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads),
 * one change per POST, with delays, occasional duplicates and out-of-order arrival.
 */
export class WebhookSender {
  private target: string | undefined;
  /** Notifications due while no URL was set; Meta keeps retrying those, so they go out on setUrl. */
  private readonly held: unknown[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: WebhookSenderOptions) {}

  get url(): string | undefined {
    return this.target;
  }

  set url(url: string | undefined) {
    this.target = url;
    if (!url) return;
    for (const payload of this.held.splice(0)) this.track(this.post(payload));
  }

  /** sent → delivered → read (or sent → failed), each after a realistic delay. */
  scheduleStatuses(
    message: { id: string; to: string; actionKey?: string | undefined; pricingCategory?: string },
    failure?: StatusError,
  ): void {
    const { random } = this.options;
    const sentAfter = 200 + random() * 400;
    const steps: { status: string; afterMs: number; error?: StatusError }[] = failure
      ? [{ status: "failed", afterMs: sentAfter, error: failure }]
      : [
          { status: "sent", afterMs: sentAfter },
          { status: "delivered", afterMs: sentAfter + 500 + random() * 1500 },
          { status: "read", afterMs: sentAfter + 3000 + random() * 7000 },
        ];
    const start = this.options.nowMs();
    const eventTimes = steps.map((s) => start + s.afterMs);
    if (steps.length === 3 && random() < this.options.outOfOrderRate) {
      // The read arrives before the delivered receipt (its timestamp still says later).
      const [, delivered, read] = steps;
      if (delivered && read) [delivered.afterMs, read.afterMs] = [read.afterMs, delivered.afterMs];
    }
    steps.forEach((step, i) => {
      const status: Record<string, unknown> = {
        id: message.id,
        status: step.status,
        timestamp: String(Math.floor((eventTimes[i] ?? start) / 1000)),
        recipient_id: message.to,
        ...(message.actionKey === undefined ? {} : { biz_opaque_callback_data: message.actionKey }),
      };
      Object.assign(
        status,
        pricingFields(step.status, message.to, message.pricingCategory, eventTimes[i] ?? start),
      );
      if (step.error) {
        const { code, title, message: text, details } = step.error;
        status.errors = [{ code, title, message: text, error_data: { details: details ?? text } }];
      }
      this.later(step.afterMs, () => this.post(this.envelope({ statuses: [status] })));
    });
  }

  inbound(message: Record<string, unknown>, profileName: string, waId: string): void {
    this.later(50 + this.options.random() * 150, () =>
      this.post(
        this.envelope({ contacts: [{ profile: { name: profileName }, wa_id: waId }], messages: [message] }),
      ),
    );
  }

  /**
   * An account webhook (fields `message_template_status_update`, `phone_number_quality_update`):
   * one change whose value has no messaging metadata, in an entry with the trigger time.
   * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
   */
  account(field: string, value: Record<string, unknown>): Record<string, unknown> {
    const payload = {
      entry: [
        {
          id: this.options.wabaId,
          time: Math.floor(this.options.nowMs() / 1000),
          changes: [{ value, field }],
        },
      ],
      object: "whatsapp_business_account",
    };
    this.later(20 + this.options.random() * 80, () => this.post(payload));
    return payload;
  }

  /** Resolves when every scheduled webhook has been posted (and answered). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.inFlight.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private envelope(value: Record<string, unknown>) {
    const { wabaId, phoneNumberId, displayPhoneNumber } = this.options;
    return {
      object: "whatsapp_business_account",
      entry: [
        {
          id: wabaId,
          changes: [
            {
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId },
                ...value,
              },
              field: "messages",
            },
          ],
        },
      ],
    };
  }

  private later(realMs: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(fn());
    }, realMs / this.options.clockSpeed);
    this.timers.add(timer);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async post(payload: unknown, duplicate = false): Promise<void> {
    if (this.closed) return;
    if (!this.target) {
      if (!duplicate) this.held.push(payload);
      return;
    }
    const body = JSON.stringify(payload);
    const signature = createHmac("sha256", this.options.appSecret).update(body).digest("hex");
    let status = 0;
    try {
      const response = await fetch(this.target, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${signature}` },
        body,
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveries.push({ payload, status, duplicate });
    if (!duplicate && this.options.random() < this.options.duplicateRate) {
      this.later(20 + this.options.random() * 200, () => this.post(payload, true));
    }
  }
}

/**
 * `conversation` and `pricing` as Meta's status reference describes them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/):
 * only on "sent" and on one of "delivered"/"read" (here: delivered); the conversation's
 * expiration_timestamp only on the first. Free-form replies inside the service window are the
 * "service" category and not billable under per-message pricing.
 */
function pricingFields(
  status: string,
  to: string,
  category = "utility",
  atMs: number,
): Record<string, unknown> {
  if (status !== "sent" && status !== "delivered") return {};
  const conversation: Record<string, unknown> = {
    id: createHmac("md5", "conversation").update(`${to}:${category}`).digest("hex"),
    origin: { type: category },
  };
  if (status === "sent") conversation.expiration_timestamp = String(Math.floor(atMs / 1000) + 24 * 60 * 60);
  return {
    conversation,
    pricing: { billable: category !== "service", pricing_model: "PMP", type: "regular", category },
  };
}
