import type { WebhookDelivery } from "./delivery.js";
import type { FakeTemplate } from "./templates.js";

export interface FakeGraphApiOptions {
  /** The only access token accepted (`Authorization: Bearer <token>`); others get code 190. */
  token: string;
  /** Signs every webhook (`X-Hub-Signature-256`). */
  appSecret: string;
  phoneNumberId: string;
  /** The WhatsApp Business Account whose message_templates are listed. Default "102290129340398". */
  wabaId?: string;
  displayPhoneNumber?: string;
  /** Per-phone-number throughput; beyond it sends fail with 130429. Default 80. */
  ratePerSecond?: number;
  /** Where status and inbound webhooks are POSTed; settable later with setWebhookUrl(). */
  webhookUrl?: string;
  templates?: FakeTemplate[];
  /** Webhook delays are Meta-like divided by this. Default 1 (real time). */
  clockSpeed?: number;
  /** false: post no status webhooks at all (throughput benchmarks). Default true. */
  statusWebhooks?: boolean;
  /** Chance that a webhook is posted twice. Default 0.02. */
  duplicateRate?: number;
  /** Chance that `read` arrives before `delivered`. Default 0.02. */
  outOfOrderRate?: number;
  seed?: number;
  /**
   * Milliseconds to wait before answering an accepted send (asked per message); the message is
   * already recorded in `sent` and its statuses scheduled. Default: answer at once.
   */
  answerLatencyMs?: () => number;
  /**
   * Event time for webhook timestamps and the 24-hour window (a test's clock); delays stay real.
   * Default: the system clock.
   */
  now?: () => Date;
  /**
   * Monotonic milliseconds for the throughput bucket. Default `performance.now` (real time, as Meta
   * measures); a test that asserts exactly which sends are throttled passes a clock it moves itself.
   */
  throughputClock?: () => number;
  /** Path of Meta's OpenAPI description; defaults to the vendored test-fixtures/specs/whatsapp/…v23.0.yaml (a copy of ../shared/specs). */
  specPath?: string;
}

export interface SentMessage {
  /** The wamid returned in messages[0].id. */
  id: string;
  /** Digits, as sent in `to`. */
  to: string;
  type: string;
  actionKey: string | undefined;
  body: Record<string, unknown>;
  at: Date;
  /** When the request arrived, epoch ms with a fraction (benchmarks: the fake's own time starts here). */
  receivedAt: number;
}

export interface UploadedMedia {
  id: string;
  mimeType: string;
  filename: string | undefined;
  size: number;
  /** The uploaded file itself, for tests that read what was sent (a PDF's text). */
  bytes: Buffer;
}

export interface InjectOptions {
  /** How many following requests fail. Default 1. */
  count?: number;
  /** "response" (default): the request fails; "webhook": it is accepted, then a failed status arrives. */
  via?: "response" | "webhook";
}

export interface FakeGraphApi {
  url: string;
  sent: SentMessage[];
  media: UploadedMedia[];
  templates: FakeTemplate[];
  webhooks: WebhookDelivery[];
  /** Every request the fake answered, with its status, in order. */
  requests: { method: string; path: string; status: number }[];
  inject(code: number, options?: InjectOptions): void;
  /** A customer writes to the business: posts a signed inbound webhook; returns its wamid. */
  reply(from: string, text: string, options?: { context?: string; name?: string }): string;
  /**
   * A customer taps a button of a message (`context` = its wamid): a template's quick reply
   * (`type: "button"`, the payload the business set) or an interactive reply button / list row.
   */
  tap(from: string, tapped: Tapped, options: { context: string; name?: string }): string;
  /** The recipient of message `wamid` taps its template's quick-reply button `index`. */
  tapQuickReply(wamid: string, index: number): string;
  /**
   * Meta changes a template's status: the template is updated (a PAUSED/DISABLED one is refused
   * with 132015/132016 at send) and a signed `message_template_status_update` webhook is posted.
   * Returns the payload.
   */
  templateStatus(
    name: string,
    event: TemplateEvent,
    options?: { language?: string; reason?: string; otherInfo?: { title: string; description: string } },
  ): Record<string, unknown>;
  /**
   * The number's messaging limit or quality changed: posts a signed `phone_number_quality_update`
   * (the tier also shows as messaging_limit_tier on GET /{phone-number-id}). Returns the payload.
   */
  qualityUpdate(event: QualityEvent, currentLimit: string, oldLimit?: string): Record<string, unknown>;
  /** The access token expires: every request answers 190 (HTTP 401) until restoreToken(). */
  expireToken(): void;
  restoreToken(): void;
  setWebhookUrl(url: string | undefined): void;
  /** Resolves when every scheduled webhook has been posted. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What a customer tapped, as Meta reports it in the messages webhook. */
export type Tapped =
  | { type: "button"; payload: string; text: string }
  | { type: "button_reply"; id: string; title: string }
  | { type: "list_reply"; id: string; title: string; description?: string };

/**
 * The message body of a tap, shaped as the examples of `#/components/schemas/ButtonMessage` and
 * `InteractiveMessageReply` in Meta's OpenAPI (business-messaging-api_v23.0.yaml) and
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/
 */
export function tappedMessage(tapped: Tapped): Record<string, unknown> {
  if (tapped.type === "button")
    return { type: "button", button: { payload: tapped.payload, text: tapped.text } };
  const { type, ...reply } = tapped;
  return { type: "interactive", interactive: { type, [type]: reply } };
}

/** Meta's `event` values of message_template_status_update that the fake can play. */
export type TemplateEvent =
  | "APPROVED"
  | "FLAGGED"
  | "PAUSED"
  | "DISABLED"
  | "REJECTED"
  | "REINSTATED"
  | "PENDING"
  | "PENDING_DELETION";

/** Meta's `event` values of phone_number_quality_update. */
export type QualityEvent =
  | "FLAGGED"
  | "UNFLAGGED"
  | "DOWNGRADE"
  | "UPGRADE"
  | "ONBOARDING"
  | "THROUGHPUT_UPGRADE";
