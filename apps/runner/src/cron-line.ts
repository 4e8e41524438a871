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
