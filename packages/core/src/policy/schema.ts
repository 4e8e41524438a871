import { Cron } from "croner";
import Holidays from "date-holidays";
import { z } from "zod";
import { CurrencyCode, currencyExponent } from "../money.js";

/**
 * The policy (the régua) as zod sees it. Values stay as written (window strings, decimal
 * amounts) so a parsed policy prints back as it was read; the planner compiles them once.
 */

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Where a template variable's value comes from. Anything else that starts with one of the
 * prefixes is a typo; other strings are literals. `{ literal }` forces a literal. */
export const VARIABLE_SOURCES = [
  "customer.name",
  "customer.firstName",
  "invoice.number",
  "invoice.openAmount",
  "invoice.total",
  "invoice.dueDate",
  "invoice.boletoLine",
  "invoice.pixCode",
  "invoice.payLink",
  "invoices.count",
  "invoices.totalOpen",
  "invoices.list",
] as const;
export type VariableSourceName = (typeof VARIABLE_SOURCES)[number];
const SOURCE_PREFIX = /^(customer|invoices?)\./;

/**
 * IXC Provedor's message variables, accepted as aliases so an ISP's templates read as they did in
 * IXC (docs/connectors/ixc.md). Any other `#name#` is a typo, not a literal.
 */
export const VARIABLE_ALIASES: Readonly<Record<string, VariableSourceName>> = {
  "#cliente_razao#": "customer.name",
  "#areceber_valor#": "invoice.openAmount",
  "#areceber_data_vencimento#": "invoice.dueDate",
  "#areceber_linha_digitavel#": "invoice.boletoLine",
};
const ALIAS_SHAPE = /^#\w+#$/;

const VariableSource = z.union([
  z
    .string()
    .min(1)
    .refine((text) => !SOURCE_PREFIX.test(text) || (VARIABLE_SOURCES as readonly string[]).includes(text), {
      error: (issue) =>
        `unknown variable source ${JSON.stringify(issue.input)}; expected one of ${VARIABLE_SOURCES.join(", ")} or a literal`,
    })
    .refine((text) => !ALIAS_SHAPE.test(text) || text in VARIABLE_ALIASES, {
      error: (issue) =>
        `unknown IXC variable ${JSON.stringify(issue.input)}; expected one of ${Object.keys(VARIABLE_ALIASES).join(", ")}`,
    }),
  z.strictObject({ literal: z.string() }),
]);
export type VariableSource = z.infer<typeof VariableSource>;

/** "08:00-20:00", start before end, same day. */
const WindowRange = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must look like "08:00-20:00"')
  .refine((text) => text.slice(0, 5) < text.slice(6), "the window must end after it starts")
  .nullable();

const SendWindow = z
  .strictObject({
    mon: WindowRange.default("08:00-20:00"),
    tue: WindowRange.default("08:00-20:00"),
    wed: WindowRange.default("08:00-20:00"),
    thu: WindowRange.default("08:00-20:00"),
    fri: WindowRange.default("08:00-20:00"),
    sat: WindowRange.default(null),
    sun: WindowRange.default(null),
  })
  .refine(
    (window) => Object.values(window).some((range) => range !== null),
    "at least one weekday needs a window",
  );

/**
 * The send window as IXC writes its scheduled tasks: cron fields "minute hour day month weekday"
 * (ranges, lists and steps: "* 8-11,13-17 * * 1-5" is weekdays 08:00–12:00 and 13:00–18:00).
 * Windows are whole hours, so the minute field is "*"; day, month and weekday pick the days, and
 * a day must match all three (unlike classic cron, which ORs day and weekday when both are set).
 * A list of lines opens the hours any of them opens (weekdays 08–20 and Saturdays 08–12).
 */
export const CronWindow = z.string().superRefine((line, ctx) => {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({
      code: "custom",
      message: `"${line}": a cron window has 5 fields (minute hour day month weekday)`,
    });
    return;
  }
  if (fields[0] !== "*") {
    ctx.addIssue({
      code: "custom",
      message: `"${line}": the minute field must be "*" (windows are whole hours; write minutes with mon: "08:30-18:00")`,
    });
    return;
  }
  try {
    new Cron(line, { paused: true, legacyMode: false }).stop();
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      message: `"${line}": not a valid cron line: ${(error as Error).message}`,
    });
  }
});

const TimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, "is not an IANA time zone such as America/Sao_Paulo");

const HolidayRule = z
  .strictObject({
    country: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166 country code such as BR"),
    state: z.string().min(1).optional(),
    /** A city or region inside the state, where date-holidays has one (BR-SP: "SP", the capital). */
    region: z.string().min(1).optional(),
    /** Closures date-holidays does not know: "2026-12-24" once, or "12-24" every year. */
    extra: z
      .array(
        z.strictObject({
          date: z
            .string()
            .regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be "YYYY-MM-DD" or "MM-DD"'),
          name: z.string().min(1),
        }),
      )
      .default([]),
    /** date-holidays types that block sends. */
    types: z
      .array(z.enum(["public", "bank", "school", "optional", "observance"]))
      .min(1)
      .default(["public"]),
  })
  .superRefine((rule, ctx) => {
    const countries = new Holidays().getCountries() as Record<string, string> | undefined;
    if (!countries?.[rule.country]) {
      ctx.addIssue({
        code: "custom",
        path: ["country"],
        message: `no holiday data for country ${rule.country}`,
      });
    } else if (rule.state) {
      const states = new Holidays().getStates(rule.country) as Record<string, string> | undefined;
      if (!states?.[rule.state]) {
        ctx.addIssue({
          code: "custom",
          path: ["state"],
          message: `no holiday data for ${rule.country}-${rule.state}`,
        });
      } else if (rule.region) {
        const regions = new Holidays().getRegions(rule.country, rule.state) as
          | Record<string, string>
          | undefined;
        if (!regions?.[rule.region]) {
          const message = `no holiday data for ${rule.country}-${rule.state}-${rule.region}`;
          ctx.addIssue({ code: "custom", path: ["region"], message });
        }
      }
    }
  });

/** A decimal amount in the policy currency, as a string ("1000.00") or a plain number. */
const DecimalAmount = z.union([
  z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as "1000.00"'),
  z.number().nonnegative(),
]);

/** `{ min, max }`, both inclusive, at least one of them. */
function bound(value: z.ZodNumber) {
  return z
    .strictObject({ min: value.optional(), max: value.optional() })
    .refine((b) => b.min !== undefined || b.max !== undefined, "needs min, max or both")
    .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, "min must not exceed max");
}
const ShareBound = bound(z.number().min(0).max(1));
const DaysBound = bound(z.number().nonnegative());
const CountBound = bound(z.number().int().nonnegative());

/**
 * How the customer pays (docs/payment-behaviour.md). The first three read every invoice paid in
 * the last 365 days (no history: nothing paid late). The bounds read the behaviour features over
 * the last `paymentBehaviour.lastInvoices` paid invoices; day-based ones need `minInvoices` of
 * them, and `withoutHistory` says what a customer with fewer gets.
 */
const PaymentHistoryCondition = z.strictObject({
  minPaidLateShare: z.number().min(0).max(1).optional(),
  maxPaidLateShare: z.number().min(0).max(1).optional(),
  maxAverageDaysLate: z.number().nonnegative().optional(),
  averageDaysLate: DaysBound.optional(),
  p90DaysLate: DaysBound.optional(),
  paidEarlyShare: ShareBound.optional(),
  paidAfterReminderShare: ShareBound.optional(),
  brokenPromises: CountBound.optional(),
  replies: CountBound.optional(),
  /** Day-based bounds judge only customers with at least this many paid invoices (default 1). */
  minInvoices: z.number().int().min(1).optional(),
  /** With fewer than minInvoices: "skip" (default) fails the condition, "fire" ignores those bounds. */
  withoutHistory: z.enum(["fire", "skip"]).optional(),
});
export type PaymentHistoryCondition = z.infer<typeof PaymentHistoryCondition>;

const Conditions = z.strictObject({
  minOpenAmount: DecimalAmount.optional(),
  maxOpenAmount: DecimalAmount.optional(),
  minDaysOverdue: z.number().int().optional(),
  maxDaysOverdue: z.number().int().optional(),
  segments: z.array(z.string().min(1)).min(1).optional(),
  /** Fires only for customers with at least one of these tags (Customer.tags, from the ERP). */
  tags: z.array(z.string().min(1)).min(1).optional(),
  /** Never fires for customers with any of these tags ("vip", "government", "in_court"). */
  notTags: z.array(z.string().min(1)).min(1).optional(),
  minCustomerValue: z.number().optional(),
  maxCustomerValue: z.number().optional(),
  paymentHistory: PaymentHistoryCondition.optional(),
  /**
   * The payment-risk score: 1 − the model's probability that the invoice is paid within its
   * horizon (`regua score`). Without a trained model the condition fails, saying so.
   */
  riskScore: ShareBound.optional(),
  /** Fires only when the customer did not reply to any of these steps. */
  noReplyTo: z.array(z.string().min(1)).min(1).optional(),
});
export type StepConditions = z.infer<typeof Conditions>;

const TemplateName = z.string().regex(/^[a-z0-9_]+$/, "must be a template name such as fatura_vencida");

const TemplateRef = z.strictObject({
  name: TemplateName,
  language: z.string().min(2).default("pt_BR"),
  /**
   * Sent instead while the provider has this template paused, disabled or rejected (WhatsApp's
   * message_template_status_update); it gets the same variables, document and buttons. Without
   * one, such a send waits until the template is approved again (docs/alerts.md).
   */
  fallback: z.strictObject({ name: TemplateName, language: z.string().min(2).optional() }).optional(),
});

/** What a message sends: channel instance id, template and where each variable comes from. */
const MessageSpec = z.strictObject({
  channel: z.string().min(1),
  template: TemplateRef,
  variables: z
    .record(z.string().regex(/^\w+$/, "must be a parameter name or position"), VariableSource)
    .default({}),
  /** Attach the boleto PDF (invoice.instruments.documentUrl) as the template's document header. */
  attachDocument: z.boolean().default(false),
  /**
   * Dynamic template buttons: a URL button's suffix, or a copy-code button (the PIX
   * "copia e cola"), by the button's index in the approved template.
   */
  buttons: z
    .array(
      z.strictObject({
        index: z.number().int().min(0).max(9),
        type: z.enum(["url", "copy_code"]),
        source: VariableSource,
      }),
    )
    .refine(
      (buttons) => new Set(buttons.map((b) => b.index)).size === buttons.length,
      "button indexes must be unique",
    )
    // Optional (not defaulted) so code that builds a MessageSpec by hand need not mention it.
    .optional(),
});
export type MessageSpec = z.infer<typeof MessageSpec>;
/** A message as a policy step writes it; also what console-planned actions carry in `payload.message`. */
export { MessageSpec as MessageSpecSchema };

const Step = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, - or _"),
    /** Days from the due date; negative = before due. */
    offsetDays: z.number().int().min(-365).max(3650),
    action: z.enum(["message", "escalate", "pause"]).default("message"),
    channel: z.string().min(1).optional(),
    template: TemplateRef.optional(),
    variables: MessageSpec.shape.variables,
    attachDocument: z.boolean().default(false),
    buttons: MessageSpec.shape.buttons,
    conditions: Conditions.prefault({}),
    escalate: z
      .strictObject({ queue: z.string().min(1), target: z.enum(["operator", "legal", "cartorio"]) })
      .optional(),
    /** For `pause`: how long to pause dunning; absent = until an operator resumes it. */
    pauseDays: z.number().int().positive().optional(),
  })
  .superRefine((step, ctx) => {
    if (step.action === "message") {
      if (!step.channel)
        ctx.addIssue({ code: "custom", path: ["channel"], message: "a message step needs a channel" });
      if (!step.template)
        ctx.addIssue({ code: "custom", path: ["template"], message: "a message step needs a template" });
    }
    if (step.action === "escalate" && !step.escalate) {
      ctx.addIssue({
        code: "custom",
        path: ["escalate"],
        message: "an escalate step needs escalate: { queue, target }",
      });
    }
  });
export type PolicyStep = z.infer<typeof Step>;

export const LIFECYCLE_KINDS = [
  "paymentConfirmation",
  "cancellation",
  "renegotiation",
  "negativeRecordRemoval",
] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

/**
 * Messages sent on an invoice's status changes, as the ERP reports them at sync (see
 * docs/lifecycle.md). Each fires once per invoice and state, only for invoices under dunning:
 * paymentConfirmation (open → paid), cancellation (→ cancelled, void, or deleted in the ERP),
 * renegotiation (→ renegotiated: new installments replace it), negativeRecordRemoval (a
 * written-off invoice, with a negative credit record, paid or renegotiated).
 */
const Lifecycle = z.strictObject({
  paymentConfirmation: MessageSpec.optional(),
  cancellation: MessageSpec.optional(),
  renegotiation: MessageSpec.optional(),
  negativeRecordRemoval: MessageSpec.optional(),
});

export const PolicySchema = z
  .strictObject({
    version: z.literal(1).default(1),
    timezone: TimeZone,
    currency: CurrencyCode.default("BRL"),
    locale: z.string().min(2).default("pt-BR"),
    window: z.union([CronWindow, z.array(CronWindow).min(1), SendWindow]).prefault({}),
    holidays: HolidayRule.nullable().default(null),
    caps: z
      .strictObject({
        perCustomerPerDay: z.number().int().positive().nullable().default(1),
        perCustomerPerWeek: z.number().int().positive().nullable().default(3),
      })
      .prefault({}),
    grouping: z.enum(["customer", "invoice"]).default("invoice"),
    catchUp: z.enum(["latest", "all"]).default("latest"),
    /**
     * After downtime or on a fresh install: a step whose day (due date + offsetDays) passed more
     * than this many days ago does not fire on its own. The planner skips it with reason
     * "too_late" and a trace naming the step, its day and the limit, so an operator decides
     * (contact the customer, or raise the limit for one run). null = no limit.
     */
    catchUpMaxDays: z.number().int().min(0).max(3650).nullable().default(7),
    /** The behaviour features' window: the customer's last N paid invoices (docs/payment-behaviour.md). */
    paymentBehaviour: z
      .strictObject({ lastInvoices: z.number().int().min(1).max(120).default(12) })
      .prefault({}),
    // At most 50 steps: the planner keeps sets of steps as bit masks (exact up to 2^53).
    steps: z.array(Step).min(1).max(50),
    lifecycle: Lifecycle.prefault({}),
  })
  .superRefine((policy, ctx) => checkCrossReferences(policy, ctx));

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

function checkCrossReferences(policy: { currency: string; steps: PolicyStep[] }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  policy.steps.forEach((step, index) => {
    const first = seen.get(step.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["steps", index, "id"],
        message: `duplicate step id "${step.id}" (also steps[${first}])`,
      });
    } else seen.set(step.id, index);
  });
  const exponent = currencyExponent(policy.currency);
  policy.steps.forEach((step, index) => {
    step.conditions.noReplyTo?.forEach((ref, refIndex) => {
      if (!seen.has(ref)) {
        const path = ["steps", index, "conditions", "noReplyTo", refIndex];
        ctx.addIssue({
          code: "custom",
          path,
          message: `unknown step "${ref}"; steps are ${[...seen.keys()].join(", ")}`,
        });
      }
    });
    for (const field of ["minOpenAmount", "maxOpenAmount"] as const) {
      const value = step.conditions[field];
      const fraction = typeof value === "string" ? (value.split(".")[1] ?? "") : "";
      if (fraction.length > exponent) {
        const message = `${policy.currency} has ${exponent} decimal places; got "${value}"`;
        ctx.addIssue({ code: "custom", path: ["steps", index, "conditions", field], message });
      }
    }
  });
}
