import { z } from "zod";

const TEMPLATE_BLOCKS = ["paused", "disabled", "rejected", "deleted", "pending"] as const;
const DEFAULT_TEMPLATE_BLOCKS: (typeof TEMPLATE_BLOCKS)[number][] = [
  "paused",
  "disabled",
  "rejected",
  "deleted",
];
const DEFAULT_CHANNELS = { quality: true, minDailyRecipients: 0, pausedMinutes: 0 };
const DEFAULT_CREDENTIALS = { days: 14, apiKeys: [] };

/** `alerts:` in regua.yaml: the built-in rules and their thresholds (docs/alerts.md). */
export const AlertsConfig = z
  .strictObject({
    /** Source sync: failing runs, and how long without a good one before it counts as lagging. */
    sync: z.strictObject({ lagMinutes: z.number().int().min(5).default(120) }).default({ lagMinutes: 120 }),
    /** Share of the messages settled over the window that failed, in %. */
    errorRate: z
      .strictObject({
        percent: z.number().min(0).max(100).default(10),
        windowMinutes: z.number().int().min(5).default(60),
        /** Fewer settled messages than this in the window: too few to judge, the state stays. */
        minMessages: z.number().int().min(1).default(20),
      })
      .default({ percent: 10, windowMinutes: 60, minMessages: 20 }),
    /** Write-back activities dead-lettered: alert above this many. */
    deadLetters: z.strictObject({ max: z.number().int().min(0).default(0) }).default({ max: 0 }),
    /** The oldest send still waiting, past its due time by more than this. */
    backlog: z
      .strictObject({ maxAgeMinutes: z.number().int().min(1).default(180) })
      .default({ maxAgeMinutes: 180 }),
    /** template_paused: the provider statuses of a template that raise it (WhatsApp template webhooks). */
    templates: z
      .strictObject({
        statuses: z.array(z.enum(TEMPLATE_BLOCKS)).default(DEFAULT_TEMPLATE_BLOCKS),
      })
      .default({ statuses: DEFAULT_TEMPLATE_BLOCKS }),
    /** channel_degraded (quality or messaging-limit drop) and channel_paused (credentials refused). */
    channels: z
      .strictObject({
        /** A quality downgrade or flag reported by the provider raises channel_degraded. */
        quality: z.boolean().default(true),
        /** channel_degraded also while the account may reach fewer customers a day than this (0: off). */
        minDailyRecipients: z.number().int().min(0).default(0),
        /** channel_paused once the channel has been suspended for this many minutes. */
        pausedMinutes: z.number().int().min(0).default(0),
      })
      .default(DEFAULT_CHANNELS),
    /** credential_expiring: an ERP credential ends within `days`. */
    credentials: z
      .strictObject({
        days: z.number().int().min(1).max(365).default(14),
        /** Credentials whose end régua cannot read from the ERP: an API key with a known expiry date. */
        apiKeys: z
          .array(
            z.strictObject({
              source: z.string().min(1),
              name: z.string().min(1).default("API key"),
              expiresOn: z.iso.date(),
            }),
          )
          .default([]),
      })
      .default(DEFAULT_CREDENTIALS),
  })
  .default({
    sync: { lagMinutes: 120 },
    errorRate: { percent: 10, windowMinutes: 60, minMessages: 20 },
    deadLetters: { max: 0 },
    backlog: { maxAgeMinutes: 180 },
    templates: { statuses: DEFAULT_TEMPLATE_BLOCKS },
    channels: DEFAULT_CHANNELS,
    credentials: DEFAULT_CREDENTIALS,
  });

export type AlertsConfig = z.output<typeof AlertsConfig>;
