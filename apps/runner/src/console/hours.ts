import type { ConsoleConfig, Weekday } from "./schema.js";
import { WEEKDAYS } from "./schema.js";

type BusinessHours = NonNullable<ConsoleConfig["businessHours"]>;

const WEEKDAY_NAMES_PT: Record<Weekday, string> = {
  sun: "domingo",
  mon: "segunda-feira",
  tue: "terça-feira",
  wed: "quarta-feira",
  thu: "quinta-feira",
  fri: "sexta-feira",
  sat: "sábado",
};

/** The local weekday and "HH:MM" of an instant in a time zone (Intl: no offset arithmetic of our own). */
function localParts(instant: Date, timeZone: string): { weekday: Weekday; time: string } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = get("weekday").slice(0, 3).toLowerCase() as Weekday;
  return { weekday, time: `${get("hour")}:${get("minute")}` };
}

/** Whether operators answer at this instant; no `businessHours`: always. */
export function withinBusinessHours(hours: BusinessHours | undefined, instant: Date): boolean {
  if (!hours) return true;
  const { weekday, time } = localParts(instant, hours.timeZone);
  const span = hours.days[weekday];
  if (!span) return false;
  const [open, close] = span.split("-") as [string, string];
  return time >= open && time < close;
}

/** When operators answer next, for the debtor: "segunda-feira, 08:00" (today: "hoje, 08:00"); null: never. */
export function nextOpening(hours: BusinessHours, instant: Date): string | null {
  const { weekday, time } = localParts(instant, hours.timeZone);
  const today = WEEKDAYS.indexOf(weekday);
  for (let ahead = 0; ahead < 8; ahead++) {
    const day = WEEKDAYS[(today + ahead) % 7] as Weekday;
    const span = hours.days[day];
    if (!span) continue;
    const open = span.split("-")[0] as string;
    if (ahead === 0 && time >= open) continue;
    if (ahead === 0) return `hoje, ${open}`;
    if (ahead === 1) return `amanhã, ${open}`;
    return `${WEEKDAY_NAMES_PT[day]}, ${open}`;
  }
  return null;
}
