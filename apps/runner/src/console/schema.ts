import { z } from "zod";

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as "HH:MM"');
/** "08:00-18:00": opening and closing time on one day, in `businessHours.timeZone`. */
const DayHours = z
  .string()
  .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must be "HH:MM-HH:MM", e.g. "08:00-18:00"')
  .refine((span) => {
    const [open, close] = span.split("-") as [string, string];
    return ClockTime.safeParse(open).success && ClockTime.safeParse(close).success && open < close;
  }, "must open before it closes, both as HH:MM");

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TemplateChoice = z.strictObject({
  /** The approved WhatsApp template's name and language. */
  name: z.string().min(1),
  language: z.string().min(2).default("pt_BR"),
  /** What the operator sees in the picker. */
  label: z.string().min(1),
  /**
   * Body parameters in order, with the policy's variable names: customer.name,
   * customer.firstName, invoices.totalOpen, invoices.count (a batch action also takes the other
   * policy variables, e.g. invoice.number), or a literal text.
   */
  variables: z.array(z.string()).default([]),
});
export type ConsoleTemplate = z.output<typeof TemplateChoice>;

/**
 * `console:` in regua.yaml (docs/console.md): the operator console served by `regua serve` at
 * /console. Sign-in is per operator (`regua operator add`); the admin token does not open it.
 */
export const ConsoleConfig = z
  .strictObject({
    /** Serve /console. */
    enabled: z.boolean().default(true),
    /** The channel instance (`channels[].id`) operators write through. Default: the first channel. */
    channel: z.string().optional(),
    session: z
      .strictObject({
        /** Signed out after this long without a request. */
        idleMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(30),
        /** Signed out this long after signing in, however active. */
        absoluteHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(12),
        /**
         * Cookies carry Secure (and the __Host- prefix). Leave it on behind TLS (a reverse proxy
         * counts); turn it off only for plain http on a machine of your own.
         */
        secureCookie: z.boolean().default(true),
      })
      .prefault({}),
    /** Failed sign-ins allowed per e-mail address in 15 minutes, and attempts per address per minute. */
    login: z
      .strictObject({
        failuresPerEmail: z.number().int().min(1).default(5),
        attemptsPerMinute: z.number().int().min(1).default(10),
      })
      .prefault({}),
    /**
     * When operators answer. Outside these hours a debtor waiting for an operator is told when
     * someone will answer (`outsideHoursMessage`, `{next}` becomes the next opening, e.g. "seg 08:00").
     * Absent: always open.
     */
    businessHours: z
      .strictObject({
        timeZone: z.string().default("America/Sao_Paulo"),
        days: z.partialRecord(z.enum(WEEKDAYS), DayHours),
        outsideHoursMessage: z
          .string()
          .min(1)
          .default("Nosso atendimento está fechado agora. Um atendente responderá a partir de {next}."),
      })
      .optional(),
    /** The company's name on generated documents (the debt statement). */
    companyName: z.string().min(1).default("Departamento financeiro"),
    /** Sent to the debtor when an operator closes a conversation (empty: nothing is sent). */
    closingMessage: z
      .string()
      .default("Obrigado pelo contato! Esta conversa foi encerrada; se precisar, é só escrever de novo."),
    /** Templates an operator may send (outside the 24-hour window, and in batch actions). */
    templates: z.array(TemplateChoice).default([]),
    /** Largest file an operator may upload to send as a document. */
    uploadMaxBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(16 * 1024 * 1024),
  })
  .prefault({});

export type ConsoleConfig = z.output<typeof ConsoleConfig>;
