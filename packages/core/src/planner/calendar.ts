import { Cron } from "croner";
import Holidays from "date-holidays";
import type { TraceEntry } from "../actions.js";
import { type Policy, WEEKDAYS } from "../policy/schema.js";

/**
 * Calendar arithmetic in the policy's time zone. Days are "epoch days" (days since
 * 1970-01-01 as a calendar date, no time zone), minutes are minutes since local midnight.
 * Intl formatters and holiday tables are built once per zone / policy / year, never per invoice.
 */

export const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;

/**
 * "2026-11-20" → epoch day, by integer arithmetic on the characters (days-from-civil,
 * http://howardhinnant.github.io/date_algorithms.html): called once per invoice, so no
 * Date, no substrings.
 */
export function epochDay(isoDate: string): number {
  const digit = (i: number) => isoDate.charCodeAt(i) - 48;
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3) - (month <= 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const isoDates = new Map<number, string>();

/**
 * Epoch day → "2026-11-20". A plan asks this for every invoice and step, over the few hundred
 * days around today: memoised (a bounded map), as a Date and toISOString per call were ~3 % of
 * a 1M-invoice plan.
 */
export function isoDateOfDay(day: number): string {
  let iso = isoDates.get(day);
  if (iso === undefined) {
    iso = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (isoDates.size >= 20_000) isoDates.clear();
    isoDates.set(day, iso);
  }
  return iso;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function minutesText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/** Local wall-clock of an instant: epoch day and minutes since local midnight. */
export function localTime(
  instantMs: number,
  timeZone: string,
): { day: number; minutes: number; offsetMs: number } {
  const parts = zoneFormat(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const localMs = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  const day = Math.floor(localMs / MS_PER_DAY);
  const offsetMs = localMs - Math.floor(instantMs / 1000) * 1000;
  return { day, minutes: Math.floor((localMs - day * MS_PER_DAY) / MS_PER_MINUTE), offsetMs };
}

/**
 * The instant of a local wall-clock time (day + minutes) in a zone. In a DST gap (a time
 * that does not exist) it moves forward by the gap; in an overlap it picks one of the two.
 */
export function zonedInstant(day: number, minutes: number, timeZone: string): number {
  const wall = day * MS_PER_DAY + minutes * MS_PER_MINUTE;
  const first = wall - localTime(wall, timeZone).offsetMs;
  const second = wall - localTime(first, timeZone).offsetMs;
  if (second === first) return first;
  const check = localTime(second, timeZone);
  return check.day === day && check.minutes === minutes ? second : Math.max(first, second);
}

export interface WindowRange {
  start: number;
  end: number;
  text: string;
}

/** Where the next send can happen: the first open window at or after `now`. */
export interface SendSlot {
  dueAtMs: number;
  expiresAtMs: number;
  /** Local day of the slot (caps count per this day and its Monday-based week). */
  day: number;
  /** Why the send moved (quiet hours, closed weekday, holiday), and where to; empty when open now. */
  trace: TraceEntry[];
}

export class SendCalendar {
  readonly timeZone: string;
  /** Per weekday (Sunday first), or per date from a cron window (cached per day). */
  private readonly windows: (WindowRange | null)[] | null;
  private readonly crons: Cron[];
  private readonly cronRuns = new Map<number, WindowRange[]>();
  /** National, then state, then region tables: date-holidays' state tables can miss a national day. */
  private readonly holidayTables: Holidays[];
  private readonly holidayTypes: ReadonlySet<string>;
  private readonly extraHolidays: readonly { date: string; name: string }[];
  private readonly holidayYears = new Map<number, Map<string, string>>();
  private readonly slots = new Map<number, SendSlot | null>();
  private readonly dayStarts = new Map<number, number>();

  constructor(policy: Policy) {
    this.timeZone = policy.timezone;
    const window = policy.window;
    if (typeof window === "string" || Array.isArray(window)) {
      this.windows = null;
      // Matched against the local wall clock written as UTC: the fields are wall-clock fields.
      // legacyMode off: a day must match both the day-of-month and the weekday fields.
      this.crons = [window]
        .flat()
        .map((line) => new Cron(line, { paused: true, timezone: "Etc/UTC", legacyMode: false }));
    } else {
      this.windows = WEEKDAYS.map((weekday) => parseWindow(window[weekday]));
      this.crons = [];
    }
    const rule = policy.holidays;
    const options = { timezone: policy.timezone };
    this.holidayTables = [];
    if (rule) {
      this.holidayTables.push(new Holidays(rule.country, options));
      if (rule.state) this.holidayTables.push(new Holidays(rule.country, rule.state, options));
      if (rule.state && rule.region)
        this.holidayTables.push(new Holidays(rule.country, rule.state, rule.region, options));
    }
    this.holidayTypes = new Set(rule?.types ?? []);
    this.extraHolidays = rule?.extra ?? [];
  }

  /** The day's first send window, or null when it has none (holidays aside). */
  window(day: number): WindowRange | null {
    return this.runs(day)[0] ?? null;
  }

  /** The day's send windows in order: one per weekday, or each run of hours a cron window opens. */
  runs(day: number): readonly WindowRange[] {
    if (this.windows) {
      const window = this.windows[weekdayOf(day)];
      return window ? [window] : [];
    }
    let runs = this.cronRuns.get(day);
    if (!runs) {
      if (this.cronRuns.size > 1000) this.cronRuns.clear();
      runs = this.cronRunsOf(day);
      this.cronRuns.set(day, runs);
    }
    return runs;
  }

  /** Runs of matching hours on a local date (24 checks: the minute field is always "*"). */
  private cronRunsOf(day: number): WindowRange[] {
    const runs: WindowRange[] = [];
    let open: number | null = null;
    for (let hour = 0; hour <= 24; hour++) {
      const wallClock = new Date(day * MS_PER_DAY + hour * 3_600_000);
      const matches = hour < 24 && this.crons.some((cron) => cron.match(wallClock));
      if (matches && open === null) open = hour;
      if (!matches && open !== null) {
        const start = open * 60;
        const end = hour * 60;
        runs.push({ start, end, text: `${minutesText(start)}-${minutesText(end)}` });
        open = null;
      }
    }
    return runs;
  }

  /** The blocking holiday's name on a local day, or null. Tables are built once per year. */
  holidayName(day: number): string | null {
    if (this.holidayTables.length === 0) return null;
    const iso = isoDateOfDay(day);
    const year = Number(iso.slice(0, 4));
    let names = this.holidayYears.get(year);
    if (!names) {
      names = this.holidaysOf(year);
      this.holidayYears.set(year, names);
    }
    return names.get(iso) ?? null;
  }

  private holidaysOf(year: number): Map<string, string> {
    const names = new Map<string, string>();
    for (const table of this.holidayTables) {
      for (const holiday of table.getHolidays(year) || []) {
        const date = holiday.date.slice(0, 10);
        if (this.holidayTypes.has(holiday.type) && !names.has(date)) names.set(date, holiday.name);
      }
    }
    for (const extra of this.extraHolidays) {
      const date = extra.date.length === 5 ? `${year}-${extra.date}` : extra.date;
      if (date.startsWith(`${year}-`) && !names.has(date)) names.set(date, extra.name);
    }
    return names;
  }

  /** The instant local midnight of `day` begins; cached, as the planner asks once per step and invoice. */
  dayStartMs(day: number): number {
    let start = this.dayStarts.get(day);
    if (start === undefined) {
      if (this.dayStarts.size > 100_000) this.dayStarts.clear();
      start = zonedInstant(day, 0, this.timeZone);
      this.dayStarts.set(day, start);
    }
    return start;
  }

  /** The first send slot at or after `nowMs` within 62 days, or null; cached per instant. */
  nextSlot(nowMs: number): SendSlot | null {
    if (this.slots.has(nowMs)) return this.slots.get(nowMs) ?? null;
    const slot = this.findSlot(nowMs);
    if (this.slots.size > 1000) this.slots.clear();
    this.slots.set(nowMs, slot);
    return slot;
  }

  private findSlot(nowMs: number): SendSlot | null {
    const now = localTime(nowMs, this.timeZone);
    const trace: TraceEntry[] = [];
    for (let day = now.day; day <= now.day + 62; day++) {
      const iso = isoDateOfDay(day);
      const weekday = WEEKDAYS[weekdayOf(day)] as string;
      const holiday = this.holidayName(day);
      if (holiday) {
        trace.push({
          rule: "holiday",
          outcome: "skipped",
          reason: `${iso} (${weekday}) is a holiday: ${holiday}`,
        });
        continue;
      }
      const runs = this.runs(day);
      if (runs.length === 0) {
        trace.push({ rule: "window", outcome: "skipped", reason: `${iso} (${weekday}) has no send window` });
        continue;
      }
      const window = day === now.day ? runs.find((run) => now.minutes < run.end) : runs[0];
      if (!window) {
        const last = runs.at(-1) as WindowRange;
        const reason = `quiet hours: ${minutesText(now.minutes)} is after ${weekday} window ${last.text}`;
        trace.push({ rule: "window", outcome: "skipped", reason });
        continue;
      }
      const startMs = zonedInstant(day, window.start, this.timeZone);
      const dueAtMs = day === now.day ? Math.max(nowMs, startMs) : startMs;
      if (day === now.day && dueAtMs > nowMs) {
        const reason = `quiet hours: ${minutesText(now.minutes)} is before ${weekday} window ${window.text}`;
        trace.push({ rule: "window", outcome: "skipped", reason });
      }
      if (dueAtMs > nowMs) {
        const reason = `moved to ${iso} ${minutesText(window.start)} (${this.timeZone})`;
        trace.push({ rule: "schedule", outcome: "fired", reason });
      }
      return { dueAtMs, expiresAtMs: zonedInstant(day, window.end, this.timeZone), day, trace };
    }
    return null;
  }
}

function parseWindow(text: string | null): WindowRange | null {
  if (!text) return null;
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return { start: minutes(text.slice(0, 5)), end: minutes(text.slice(6, 11)), text };
}
