import { randomBytes } from "node:crypto";
import {
  CONSOLE_STEP_PREFIX,
  type CustomerSnapshot,
  formatMoney,
  type Money,
  type PlannedAction,
} from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { forbidden } from "./access.js";
import { type ConsoleContext, formFields } from "./context.js";
import { type Html, html, page } from "./html.js";
import type { ConsoleTemplate } from "./schema.js";

export const AGING_BUCKETS = ["not_due", "1-30", "31-60", "61-90", "90+"] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
const AGING_LABELS: Record<AgingBucket, string> = {
  not_due: "Not yet due",
  "1-30": "1-30 days past due",
  "31-60": "31-60 days past due",
  "61-90": "61-90 days past due",
  "90+": "90+ days past due",
};

/** "1.234,56" or "1234.56" → minor units (BRL, 2 decimals); empty: no bound. */
const Amount = z
  .string()
  .trim()
  .regex(/^(\d{1,12}([.,]\d{1,2})?)?$/, "must be an amount like 1500 or 1500,00")
  .transform((text) => (text === "" ? null : Math.round(Number(text.replace(",", ".")) * 100)));

export const BatchGroup = z.object({
  source: z.string().max(100).default(""),
  aging: z.enum(AGING_BUCKETS).or(z.literal("")).default(""),
  min: Amount.prefault(""),
  max: Amount.prefault(""),
  segment: z.string().trim().max(100).default(""),
});
export type BatchGroup = z.output<typeof BatchGroup>;

const daysPastDue = (dueDate: string, today: string) =>
  Math.round((Date.parse(today) - Date.parse(dueDate)) / 86_400_000);

export function agingBucketOf(days: number): AgingBucket {
  if (days <= 0) return "not_due";
  if (days <= 30) return "1-30";
  if (days <= 60) return "31-60";
  if (days <= 90) return "61-90";
  return "90+";
}

export interface BatchMember {
  snapshot: CustomerSnapshot;
  phone: string;
  open: Money;
  bucket: AgingBucket;
}

/**
 * The customers a batch action reaches: with open invoices, a phone, not opted out, in the
 * group (the bucket of their most overdue invoice, their total open amount, their segment).
 */
export async function selectGroup(c: ConsoleContext, group: BatchGroup): Promise<BatchMember[]> {
  const now = c.now();
  const today = now.slice(0, 10);
  const members: BatchMember[] = [];
  for await (const batch of c.store.snapshots({ now, ...(group.source ? { source: group.source } : {}) })) {
    for (const snapshot of batch) {
      const { customer, invoices } = snapshot;
      const phone = customer.phones.find((p) => !(snapshot.undeliverablePhones ?? []).includes(p));
      if (snapshot.optedOut || !phone || invoices.length === 0) continue;
      const currency = invoices[0]?.openAmount.currency ?? "BRL";
      const sameCurrency = invoices.filter((i) => i.openAmount.currency === currency);
      const open = {
        amountMinor: sameCurrency.reduce((sum, i) => sum + i.openAmount.amountMinor, 0),
        currency,
      } as Money;
      const worst = Math.max(...invoices.map((i) => daysPastDue(i.dueDate, today)));
      const bucket = agingBucketOf(worst);
      if (group.aging && bucket !== group.aging) continue;
      if (group.min !== null && open.amountMinor < group.min) continue;
      if (group.max !== null && open.amountMinor > group.max) continue;
      if (group.segment && customer.segment !== group.segment) continue;
      members.push({ snapshot, phone, open, bucket });
    }
  }
  return members;
}

/** The channel console messages leave through: `console.channel`, else the first configured. */
export function consoleChannelId(c: ConsoleContext): string | null {
  return c.config.channel ?? c.channels[0]?.id ?? null;
}

/** The policy-shaped message a console-planned action carries (rendered by core at dispatch). */
export function consoleMessage(channel: string, template: ConsoleTemplate) {
  return {
    channel,
    template: { name: template.name, language: template.language },
    variables: Object.fromEntries(template.variables.map((source, i) => [String(i + 1), source])),
  };
}

/**
 * One planned action per member with a `console:batch:<id>` step: the outbox, dispatch, its
 * fresh invoice check, rate limits, quiet crash recovery and write-back are the policy's own.
 */
export function batchActions(
  members: readonly BatchMember[],
  input: {
    batchId: string;
    channel: string;
    template: ConsoleTemplate;
    operatorId: string;
    now: string;
    description: string;
  },
): PlannedAction[] {
  const stepId = `${CONSOLE_STEP_PREFIX}batch:${input.batchId}`;
  const expiresAt = new Date(Date.parse(input.now) + 24 * 3_600_000).toISOString();
  return members.map(({ snapshot }) => ({
    key: `${stepId}:${snapshot.customer.source}:${snapshot.customer.externalId}`,
    source: snapshot.customer.source,
    customerRef: snapshot.customer.externalId,
    invoiceRefs: snapshot.invoices.map((i) => i.externalId),
    stepId,
    kind: "message",
    channel: input.channel,
    template: input.template.name,
    dueAt: input.now,
    expiresAt,
    payload: {
      message: consoleMessage(input.channel, input.template),
      batch: input.batchId,
      by: `operator:${input.operatorId}`,
    },
    trace: [
      {
        rule: stepId,
        outcome: "fired",
        reason: `batch action by operator ${input.operatorId}: ${input.description}`,
      },
    ],
  }));
}

function describeGroup(group: BatchGroup): string {
  const parts = [
    group.source ? `source ${group.source}` : "every source",
    group.aging ? AGING_LABELS[group.aging] : "any aging",
    group.min !== null ? `open ≥ ${formatMoney({ amountMinor: group.min, currency: "BRL" })}` : null,
    group.max !== null ? `open ≤ ${formatMoney({ amountMinor: group.max, currency: "BRL" })}` : null,
    group.segment ? `segment ${group.segment}` : null,
  ];
  return parts.filter(Boolean).join(", ");
}

function groupForm(raw: Record<string, string>): Html {
  return html`<form method="get" action="/console/batch" class="filters" aria-label="Group">
    <div><label for="b-source">Source</label><input id="b-source" name="source" value="${raw.source ?? ""}" placeholder="any"></div>
    <div><label for="b-aging">Aging bucket</label><select id="b-aging" name="aging"><option value="">Any</option>
      ${AGING_BUCKETS.map((b) => html`<option value="${b}" ${raw.aging === b ? "selected" : ""}>${AGING_LABELS[b]}</option>`)}</select></div>
    <div><label for="b-min">Open amount from (R$)</label><input id="b-min" name="min" inputmode="decimal" value="${raw.min ?? ""}"></div>
    <div><label for="b-max">Open amount up to (R$)</label><input id="b-max" name="max" inputmode="decimal" value="${raw.max ?? ""}"></div>
    <div><label for="b-segment">Segment</label><input id="b-segment" name="segment" value="${raw.segment ?? ""}"></div>
    <div><button type="submit">Preview group</button></div>
  </form>`;
}

/** /console/batch (supervisors): pick a group, preview it, send a template to all of it. */
export function registerBatch(app: FastifyInstance, c: ConsoleContext): void {
  app.get("/console/batch", async (req, reply) => {
    const { operator } = c.who(req);
    if (operator.role !== "supervisor") return forbidden(reply, "batch actions are for supervisors");
    const raw = Object.fromEntries(
      Object.entries((req.query ?? {}) as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
    const parsed = BatchGroup.safeParse(raw);
    const csrfToken = c.csrfToken(req, reply);
    let preview: Html = html`<p>Pick a group and preview it.</p>`;
    if (!parsed.success) {
      preview = html`<p class="error" role="alert">${parsed.error.issues[0]?.message ?? "invalid group"}</p>`;
    } else if (Object.keys(raw).some((k) => k !== "sent")) {
      const members = await selectGroup(c, parsed.data);
      const hidden = Object.entries(raw)
        .filter(([k]) => k !== "sent")
        .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
      preview = html`<section class="panel" aria-labelledby="preview-h">
        <h2 id="preview-h">${members.length} customers: ${describeGroup(parsed.data)}</h2>
        <table id="batch-preview"><thead><tr><th scope="col">Customer</th><th scope="col">Phone</th><th scope="col">Aging</th><th scope="col">Open</th></tr></thead><tbody>
        ${members.slice(0, 50).map((m) => html`<tr><td>${m.snapshot.customer.name}</td><td>${m.phone}</td><td>${AGING_LABELS[m.bucket]}</td><td>${formatMoney(m.open)}</td></tr>`)}
        </tbody></table>
        ${members.length > 50 ? html`<p>… and ${members.length - 50} more.</p>` : null}
        ${
          members.length > 0 && c.config.templates.length > 0
            ? html`<form method="post" action="/console/batch">
          <input type="hidden" name="_csrf" value="${csrfToken}">${hidden}
          <label for="b-template">Template</label>
          <select id="b-template" name="template">${c.config.templates.map((t, i) => html`<option value="${i}">${t.label}</option>`)}</select>
          <button type="submit">Send to ${members.length} customers</button>
        </form>`
            : html`<p>${c.config.templates.length === 0 ? "No templates configured (console.templates)." : ""}</p>`
        }
      </section>`;
    }
    const sent = raw.sent
      ? html`<p role="status" class="panel">Batch ${raw.sent} planned: its messages leave with the next dispatch, under the channel's rate limits. See <a href="/console/reports">reports</a>.</p>`
      : null;
    return reply.type("text/html; charset=utf-8").send(
      page({
        title: "Batch actions",
        operator,
        csrfToken,
        body: html`<h1>Batch actions</h1>${sent}${groupForm(raw)}${preview}`,
      }),
    );
  });

  app.post("/console/batch", { preHandler: app.csrfProtection }, async (req, reply) => {
    const { operator } = c.who(req);
    if (operator.role !== "supervisor") return forbidden(reply, "batch actions are for supervisors");
    const fields = formFields(req.body);
    const group = BatchGroup.safeParse(fields);
    const template = c.config.templates[Number(fields.template)];
    const channel = consoleChannelId(c);
    if (!group.success || !template || !channel)
      return reply.code(400).send({ error: "a valid group and template are required" });
    const members = await selectGroup(c, group.data);
    const now = c.now();
    const batchId = `${now.slice(0, 19).replace(/\D/g, "")}-${randomBytes(3).toString("hex")}`;
    const description = describeGroup(group.data);
    const planned = batchActions(members, {
      batchId,
      channel,
      template,
      operatorId: operator.id,
      now,
      description,
    });
    const inserted = await c.store.insertActions(planned, now);
    await c.audit(req, "console.batch_planned", `batch:${batchId}`, {
      group: description,
      template: template.name,
      customers: members.length,
      planned: inserted,
    });
    const back = new URLSearchParams({ sent: batchId }).toString();
    return reply.redirect(`/console/batch?${back}`, 303);
  });
}
