import { describe, expect, it } from "vitest";
import { cronTick } from "../src/cron-line.js";

describe("cronTick", () => {
  it("is the line's latest scheduled instant at or before the job's start, however late it fired", () => {
    const tick = (now: string) => cronTick("*/15 * * * *", new Date(now)).toISOString();
    // Runners sharing a schedule agree on it: the same `since` for every runner's sync.
    expect(tick("2026-03-10T12:15:00.000Z")).toBe("2026-03-10T12:15:00.000Z");
    expect(tick("2026-03-10T12:15:00.250Z")).toBe("2026-03-10T12:15:00.000Z");
    expect(tick("2026-03-10T12:16:59.999Z")).toBe("2026-03-10T12:15:00.000Z");
    expect(tick("2026-03-10T12:14:59.999Z")).toBe("2026-03-10T12:00:00.000Z");
  });
});
