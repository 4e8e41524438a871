/**
 * What a customer's reply means for dunning. Channels call `replyIntent` on every inbound
 * message so every channel treats "PARAR" the same way. A button régua put in the message
 * carries a payload it set (`regua:paid`, …): that payload decides, whatever the button's
 * visible title says in whatever language. Free text is matched ignoring case and accents.
 */
export type ReplyIntent = "opt_out" | "already_paid" | "promise_to_pay" | "talk_to_human" | "other";

/** A reply as the channel received it: a button/list payload when one was tapped, and the text. */
export interface Reply {
  /** Quick-reply `button.payload`, or an interactive `button_reply.id` / `list_reply.id`. */
  payload?: string | null | undefined;
  text: string;
}

/**
 * The payloads régua puts on quick-reply buttons. `regua:promise:2026-12-10` is a promise to
 * pay on that date; `regua:promise` a promise without one.
 */
export const REPLY_PAYLOADS = {
  paid: "regua:paid",
  promise: "regua:promise",
  agent: "regua:agent",
  stop: "regua:stop",
} as const;
export type ReplyButton = keyof typeof REPLY_PAYLOADS;

/**
 * Ids of the self-service bot's own list rows and reply buttons start with this. A tap on one
 * is a step in the bot's menu, not a reply to dunning: it never carries an intent, whatever
 * its title says ("Falar com atendente" is a menu choice here, not an escalation).
 */
export const BOT_PAYLOAD_PREFIX = "regua-bot:";

export function isBotPayload(payload: string | null | undefined): boolean {
  return typeof payload === "string" && payload.startsWith(BOT_PAYLOAD_PREFIX);
}

const PAYLOAD_INTENT: Record<ReplyButton, ReplyIntent> = {
  paid: "already_paid",
  promise: "promise_to_pay",
  agent: "talk_to_human",
  stop: "opt_out",
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The payload of a régua button: "regua:paid", or "regua:promise:2026-12-10" with a date. */
export function replyPayload(button: ReplyButton, promiseDate?: string): string {
  if (button === "promise" && promiseDate !== undefined) {
    if (!ISO_DATE.test(promiseDate)) throw new RangeError(`promise date "${promiseDate}" is not YYYY-MM-DD`);
    return `${REPLY_PAYLOADS.promise}:${promiseDate}`;
  }
  return REPLY_PAYLOADS[button];
}

/** null for a payload régua did not set (another system's button): the text decides then. */
export function intentFromPayload(payload: string): ReplyIntent | null {
  const [prefix, button, date] = payload.trim().split(":");
  if (prefix !== "regua" || button === undefined || !(button in PAYLOAD_INTENT)) return null;
  if (date !== undefined && (button !== "promise" || !ISO_DATE.test(date))) return null;
  return PAYLOAD_INTENT[button as ReplyButton];
}

const OPT_OUT = [
  "parar",
  "pare",
  "stop",
  "sair",
  "cancelar",
  "descadastrar",
  "unsubscribe",
  "nao quero",
  "remover",
];
const PAID = ["ja paguei", "paguei", "ja foi pago", "pago", "already paid", "i paid", "comprovante"];
/** Future tense: "vou pagar sexta", "pagarei dia 10", "consigo pagar amanhã". */
const PROMISE = [
  "vou pagar",
  "vou quitar",
  "vou depositar",
  "pagarei",
  "posso pagar",
  "consigo pagar",
  "prometo pagar",
  "irei pagar",
  "will pay",
];
const HUMAN = ["atendente", "falar com", "humano", "pessoa", "ajuda", "agent", "talk to", "suporte"];

export function normalizeReply(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^\p{Letter}\p{Number}/\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The intent of free text. Prefer `replyIntent`, which lets a button payload decide. */
export function classifyReply(text: string): ReplyIntent {
  const normalized = normalizeReply(text);
  if (normalized === "") return "other";
  // Opt-out only on a short message that is the keyword itself, so "não vou parar de pagar"
  // does not unsubscribe anyone.
  const words = normalized.split(" ");
  if (words.length <= 3 && OPT_OUT.some((k) => normalized === k || normalized.startsWith(`${k} `)))
    return "opt_out";
  if (isPromise(normalized)) return "promise_to_pay";
  if (PAID.some((k) => normalized.includes(k))) return "already_paid";
  if (HUMAN.some((k) => normalized.includes(k))) return "talk_to_human";
  return "other";
}

/** "vou pagar …", or "pago" with a day ("pago dia 10", "pago sexta"); never "já paguei". */
function isPromise(normalized: string): boolean {
  if (/\b(ja paguei|paguei|ja foi pago|ja esta pago)\b/.test(normalized)) return false;
  if (PROMISE.some((k) => normalized.includes(k))) return true;
  return /\bpago\b/.test(normalized) && parseDay(normalized, 0) !== null;
}

export function replyIntent(reply: Reply): ReplyIntent {
  if (isBotPayload(reply.payload)) return "other";
  const fromPayload = reply.payload ? intentFromPayload(reply.payload) : null;
  return fromPayload ?? classifyReply(reply.text);
}

/* ------------------------------------------------------------ promise dates */

const WEEKDAYS: Record<string, number> = {
  domingo: 0,
  segunda: 1,
  terca: 2,
  quarta: 3,
  quinta: 4,
  sexta: 5,
  sabado: 6,
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};
const MS_PER_DAY = 86_400_000;

/**
 * The date a promise names, as YYYY-MM-DD, or null when it names none. `today` is the local
 * date where the customer is (the policy's time zone): "amanhã", "sexta" (the next Friday, today
 * when today is one), "dia 10" (this month's 10th, or next month's when it has passed),
 * "10/12" and "10/12/2026" (day first, as written in Brazil). A payload date wins.
 */
export function promiseDate(reply: Reply, today: string): string | null {
  const [prefix, button, date] = (reply.payload ?? "").trim().split(":");
  if (prefix === "regua" && button === "promise" && date !== undefined && ISO_DATE.test(date)) return date;
  const day = parseDay(normalizeReply(reply.text), epochDayOf(today));
  return day === null ? null : new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

function epochDayOf(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / MS_PER_DAY);
}

/** An epoch day named in normalized text, relative to `today` (an epoch day); null if none. */
function parseDay(text: string, today: number): number | null {
  if (/\bdepois de amanha\b/.test(text)) return today + 2;
  if (/\b(amanha|tomorrow)\b/.test(text)) return today + 1;
  if (/\b(hoje|today)\b/.test(text)) return today;
  const slashed = /\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?\b/.exec(text);
  if (slashed) return calendarDay(today, Number(slashed[1]), Number(slashed[2]), slashed[3]);
  const dayOfMonth = /\bdia (\d{1,2})\b/.exec(text);
  if (dayOfMonth) return nextDayOfMonth(today, Number(dayOfMonth[1]));
  for (const [name, weekday] of Object.entries(WEEKDAYS)) {
    if (new RegExp(`\\b${name}\\b`).test(text)) return today + ((weekday - weekdayOf(today) + 7) % 7);
  }
  return null;
}

function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** dd/mm[/yy[yy]]: without a year, the next such date from today. */
function calendarDay(today: number, day: number, month: number, year: string | undefined): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const todayDate = new Date(today * MS_PER_DAY);
  let fullYear = year === undefined ? todayDate.getUTCFullYear() : Number(year);
  if (year !== undefined && year.length === 2) fullYear += 2000;
  const at = (y: number) => {
    const ms = Date.UTC(y, month - 1, day);
    return new Date(ms).getUTCDate() === day ? ms / MS_PER_DAY : null;
  };
  const candidate = at(fullYear);
  if (candidate === null || year !== undefined || candidate >= today) return candidate;
  return at(fullYear + 1);
}

/** "dia 10": this month's 10th when it is today or later, else next month's (clamped to its end). */
function nextDayOfMonth(today: number, dayOfMonth: number): number | null {
  if (dayOfMonth < 1 || dayOfMonth > 31) return null;
  const date = new Date(today * MS_PER_DAY);
  for (const monthOffset of [0, 1]) {
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + monthOffset;
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const day = Date.UTC(year, month, Math.min(dayOfMonth, last)) / MS_PER_DAY;
    if (day >= today) return day;
  }
  return null;
}
