import { z } from "zod";

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
  })
  .default({
    sync: { lagMinutes: 120 },
    errorRate: { percent: 10, windowMinutes: 60, minMessages: 20 },
    deadLetters: { max: 0 },
    backlog: { maxAgeMinutes: 180 },
  });

export type AlertsConfig = z.output<typeof AlertsConfig>;
