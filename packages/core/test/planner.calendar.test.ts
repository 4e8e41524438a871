import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { epochDay, isoDateOfDay, localTime, SendCalendar, zonedInstant } from "../src/planner/index.js";
import { parsePolicy, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

const ZONES = ["America/Sao_Paulo", "America/New_York", "Europe/Lisbon", "Asia/Kolkata", "Pacific/Chatham"];

describe("calendar arithmetic", () => {
  it("epochDay agrees with Date.UTC and round-trips through isoDateOfDay", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString().slice(0, 10);
          const day = epochDay(iso);
          expect(day).toBe(
            Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) / 86_400_000,
          );
          expect(isoDateOfDay(day)).toBe(iso);
        },
      ),
    );
  });

  it("localTime and zonedInstant are inverse on the wall clock, DST zones included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2030-12-31") }),
        fc.constantFrom(...ZONES),
        (instant, zone) => {
          const wall = localTime(instant, zone);
          const back = zonedInstant(wall.day, wall.minutes, zone);
          const again = localTime(back, zone);
          expect([again.day, again.minutes]).toEqual([wall.day, wall.minutes]);
          expect(Math.abs(back - instant)).toBeLessThan(60_000 + 3_600_000); // same minute, or the other side of an overlap
        },
      ),
    );
  });

  it("matches Intl for São Paulo (UTC-3, no DST since 2019)", () => {
    const at = Date.parse("2026-11-24T13:05:00Z");
    expect(localTime(at, "America/Sao_Paulo")).toMatchObject({
      day: epochDay("2026-11-24"),
      minutes: 10 * 60 + 5,
    });
    expect(new Date(zonedInstant(epochDay("2026-11-24"), 8 * 60, "America/Sao_Paulo")).toISOString()).toBe(
      "2026-11-24T11:00:00.000Z",
    );
  });

  it("moves a wall time inside a DST gap forward", () => {
    // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
    const instant = zonedInstant(epochDay("2026-03-08"), 2 * 60 + 30, "America/New_York");
    expect(new Date(instant).toISOString()).toBe("2026-03-08T07:30:00.000Z"); // 03:30 EDT
  });
});

describe("SendCalendar", () => {
  const calendar = new SendCalendar(parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml"));

  it("knows national and São Paulo holidays, and ordinary days", () => {
    expect(calendar.holidayName(epochDay("2026-12-25"))).toBe("Natal");
    expect(calendar.holidayName(epochDay("2026-07-09"))).toBe("Revolução Constitucionalista");
    expect(calendar.holidayName(epochDay("2027-04-21"))).toBe("Dia de Tiradentes");
    expect(calendar.holidayName(epochDay("2026-11-24"))).toBeNull();
  });

  it("adds national days that date-holidays' state table misses, city holidays and extra closures", () => {
    // date-holidays lists Consciência Negra for BR but not for BR-SP.
    expect(calendar.holidayName(epochDay("2026-11-20"))).toBe("Dia da Consciência Negra");
    const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
    const city = new SendCalendar({
      ...policy,
      holidays: {
        country: "BR",
        state: "SP",
        region: "SP",
        types: ["public"],
        extra: [
          { date: "12-24", name: "Véspera de Natal (empresa)" },
          { date: "2026-12-31", name: "Inventário" },
        ],
      },
    });
    expect(city.holidayName(epochDay("2027-01-25"))).toBe("Aniversário da Cidade");
    expect(city.holidayName(epochDay("2026-12-24"))).toBe("Véspera de Natal (empresa)");
    expect(city.holidayName(epochDay("2027-12-24"))).toBe("Véspera de Natal (empresa)");
    expect(city.holidayName(epochDay("2026-12-31"))).toBe("Inventário");
    expect(city.holidayName(epochDay("2027-12-31"))).toBeNull();
  });

  it("returns the open window now, or the next one with the reasons", () => {
    const open = calendar.nextSlot(Date.parse("2026-11-24T13:00:00Z"));
    expect(open).toMatchObject({ dueAtMs: Date.parse("2026-11-24T13:00:00Z"), trace: [] });
    const christmasEve = calendar.nextSlot(Date.parse("2026-12-24T23:30:00Z")); // Thu 20:30, after the window
    expect(new Date(christmasEve?.dueAtMs ?? 0).toISOString()).toBe("2026-12-26T12:00:00.000Z"); // Sat 09:00
    expect(christmasEve?.trace.map((t) => t.rule)).toEqual(["window", "holiday", "schedule"]);
  });

  describe("a send window written as IXC cron fields", () => {
    const policyWith = (window: string | string[]) =>
      parsePolicy(
        SAMPLE_POLICY_YAML.replace(/^window:\n(?: {2}.*\n)+/m, `window: ${JSON.stringify(window)}\n`),
        "p.yaml",
      );
    // Weekdays 08:00–12:00 and 13:00–18:00, only from the 1st to the 20th, not in January.
    const cron = new SendCalendar(policyWith("* 8-11,13-17 1-20 2-12 1-5"));
    const at = (iso: string) => new Date(cron.nextSlot(Date.parse(iso))?.dueAtMs ?? 0).toISOString();

    it("opens each run of hours in turn, on the days the fields allow", () => {
      expect(cron.runs(epochDay("2026-03-10")).map((r) => r.text)).toEqual(["08:00-12:00", "13:00-18:00"]);
      expect(cron.runs(epochDay("2026-03-14"))).toEqual([]); // a Saturday
      expect(cron.runs(epochDay("2026-03-24"))).toEqual([]); // a Tuesday, but the 24th: day and weekday must both match
    });

    it("sends now inside a run, at the next run after a gap, and on the next allowed day", () => {
      expect(at("2026-03-10T13:30:00Z")).toBe("2026-03-10T13:30:00.000Z"); // Tue 10:30: open
      expect(at("2026-03-10T15:10:00Z")).toBe("2026-03-10T16:00:00.000Z"); // 12:10 → 13:00
      const evening = cron.nextSlot(Date.parse("2026-03-10T22:00:00Z")); // 19:00 → Wed 08:00
      expect(new Date(evening?.dueAtMs ?? 0).toISOString()).toBe("2026-03-11T11:00:00.000Z");
      expect(evening?.trace[0]?.reason).toBe("quiet hours: 19:00 is after tue window 13:00-18:00");
      expect(evening?.expiresAtMs).toBe(Date.parse("2026-03-11T15:00:00Z")); // the run ends at 12:00
    });

    it("opens the hours any line of a list opens", () => {
      const isp = new SendCalendar(policyWith(["* 8-19 * * 1-5", "* 8-11 * * 6"]));
      expect(isp.runs(epochDay("2026-03-13")).map((r) => r.text)).toEqual(["08:00-20:00"]); // Friday
      expect(isp.runs(epochDay("2026-03-14")).map((r) => r.text)).toEqual(["08:00-12:00"]); // Saturday
      expect(isp.runs(epochDay("2026-03-15"))).toEqual([]); // Sunday
    });

    it("names the field and the line when a window is not one", () => {
      expect(() => policyWith("30 8-17 * * 1-5")).toThrow(/window: .*minute field must be "\*"/s);
      expect(() => policyWith("* 8-17 * *")).toThrow(/window: .*5 fields/s);
      expect(() => policyWith("* 25 * * 1-5")).toThrow(/window: .*not a valid cron line/s);
    });
  });
});
