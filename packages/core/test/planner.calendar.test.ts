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
});
