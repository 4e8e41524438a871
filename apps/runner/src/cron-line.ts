import { Cron } from "croner";
import { z } from "zod";

/** A cron line croner accepts (validated without scheduling anything). */
export const CronLine = z.string().superRefine((line, ctx) => {
  try {
    // paused: validates the pattern without scheduling anything.
    new Cron(line, { paused: true }).stop();
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `not a valid cron line: ${(error as Error).message}` });
  }
});

/**
 * The tick of `line` a job started at `now` belongs to: its latest scheduled instant at or before
 * `now`. Runners sharing a schedule agree on it (`engine.sync({ since })`), however late each
 * one's timer fired.
 */
export function cronTick(line: string, now: Date): Date {
  const cron = new Cron(line, { paused: true });
  const [tick] = cron.previousRuns(1, new Date(now.getTime() + 1));
  cron.stop();
  return tick ?? now;
}
