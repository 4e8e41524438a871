import { parsePolicy } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { loadDemoKit } from "../demo/kit.js";

export const DEMO_SOURCE = "demo";

export interface DemoHistoryOptions {
  customers: number;
  seed: number;
  /** YYYY-MM-DD the generated history ends on. */
  today: string;
}

/**
 * `--demo`: the seeded payment history from @regua/demo (chronic late payers, seasonal ones,
 * customers who pay only after escalation) in an in-memory SQLite store, so `regua score` and
 * `regua simulate --backtest` run without a config or an ERP.
 */
export async function openDemoHistory(options: DemoHistoryOptions): Promise<ReguaStore> {
  const kit = await loadDemoKit();
  const data = kit.demoPaymentHistory({ source: DEMO_SOURCE, ...options });
  const store = createSqliteStore({ file: ":memory:" });
  await store.migrate();
  const at = `${options.today}T12:00:00.000Z`;
  await store.commitPage({
    source: DEMO_SOURCE,
    entity: "customers",
    customers: data.customers,
    cursor: null,
    at,
  });
  for (let i = 0; i < data.invoices.length; i += 2_000) {
    const invoices = data.invoices.slice(i, i + 2_000);
    await store.commitPage({ source: DEMO_SOURCE, entity: "invoices", invoices, cursor: null, at });
  }
  for (let i = 0; i < data.payments.length; i += 2_000) {
    const payments = data.payments.slice(i, i + 2_000);
    await store.commitPage({ source: DEMO_SOURCE, entity: "payments", payments, cursor: null, at });
  }
  return store;
}

/**
 * The policy `regua simulate --backtest --demo` replays: a reminder before the due date only for
 * customers the score does not already trust, an early escalation for the riskiest, the usual
 * steps for everyone else. Without the score (the baseline) every step fires for everyone.
 */
export const DEMO_SCORE_POLICY_YAML = `timezone: America/Sao_Paulo
currency: BRL
caps: { perCustomerPerDay: 1, perCustomerPerWeek: 3 }
steps:
  - id: lembrete-d-3
    offsetDays: -3
    channel: wa
    template: { name: lembrete_vencimento }
    conditions: { riskScore: { min: 0.1 } }
  - id: vencimento-d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje }
    conditions: { riskScore: { min: 0.1 } }
  - id: vencida-d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida }
  - id: escalar-cedo-d5
    offsetDays: 5
    action: escalate
    escalate: { queue: cobranca, target: operator }
    conditions: { riskScore: { min: 0.8 } }
  - id: vencida-d10
    offsetDays: 10
    channel: wa
    template: { name: fatura_vencida_lembrete }
  - id: escalar-d15
    offsetDays: 15
    action: escalate
    escalate: { queue: cobranca, target: operator }
`;

export const demoScorePolicy = () => parsePolicy(DEMO_SCORE_POLICY_YAML, "(demo score policy)");
