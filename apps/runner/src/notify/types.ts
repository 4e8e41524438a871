/** One alert message: when it starts ("firing") or clears ("resolved"). */
export interface Notification {
  /**
   * Stable for one event (the alert key, its start and the status): retries and restarts reuse
   * it, as the e-mail's Message-ID and the webhook's Idempotency-Key, so a receiver can drop a copy.
   */
  id: string;
  status: "firing" | "resolved";
  severity: "critical" | "warning" | "info";
  /** One line: "Source matriz: sync failing". */
  title: string;
  /** What happened and what to do, a short paragraph. */
  text: string;
  /** Structured facts: rule, subject, value, threshold, since. */
  fields: readonly { name: string; value: string }[];
  /** When the alert started or cleared (ISO instant, from the injected clock). */
  at: string;
}

export interface EmailAttachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
  /** Makes it an inline image the HTML part shows as <img src="cid:…"> (scheduled reports' charts). */
  cid?: string;
}

/** An e-mail: alerts render one from a Notification; scheduled reports build their own. */
export interface EmailMessage {
  /** Stable per message (see Notification.id): becomes the Message-ID. */
  id: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: readonly EmailAttachment[];
  /** Overrides the configured recipients. */
  to?: readonly string[];
}

/** Where one delivery went and how it ended (the target's name, never its URL). */
export interface DeliveryResult {
  target: string;
  ok: boolean;
  attempts: number;
  error?: string;
}
