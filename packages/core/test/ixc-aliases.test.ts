import { describe, expect, it } from "vitest";
import type { PlannedAction } from "../src/actions.js";
import { Customer, Invoice } from "../src/model.js";
import { formatMoney } from "../src/money.js";
import { parsePolicy, renderMessage } from "../src/policy/index.js";

/** A step written with IXC Provedor's message variables, as an ISP's IXC templates had them. */
const yaml = `
timezone: America/Sao_Paulo
steps:
  - id: aviso-de-cobranca
    offsetDays: 1
    channel: opa
    template: { name: aviso_cobranca }
    variables:
      "1": "#cliente_razao#"
      "2": "#areceber_valor#"
      "3": "#areceber_data_vencimento#"
      "4": "#areceber_linha_digitavel#"
`;

describe("IXC variables as aliases", () => {
  it("render like the canonical sources they stand for", () => {
    const policy = parsePolicy(yaml, "policy.yaml");
    const customer = Customer.parse({
      source: "ixc",
      externalId: "7",
      name: "Maria Souza",
      phones: ["+5547999123456"],
    });
    const invoice = Invoice.parse({
      source: "ixc",
      externalId: "48213",
      number: "48213",
      customerRef: "7",
      issueDate: "2026-02-20",
      dueDate: "2026-03-10",
      total: { amountMinor: 9990, currency: "BRL" },
      openAmount: { amountMinor: 4990, currency: "BRL" },
      status: "partially_paid",
      instruments: { boletoLine: "34191790010104351004791020150008291070026000" },
    });
    const action: PlannedAction = {
      key: "ixc:48213:aviso-de-cobranca:2026-03-10",
      source: "ixc",
      customerRef: "7",
      invoiceRefs: ["48213"],
      stepId: "aviso-de-cobranca",
      kind: "message",
      channel: "opa",
      template: null,
      dueAt: "2026-03-11T13:00:00.000Z",
      expiresAt: null,
      payload: {},
      trace: [],
    };
    const message = renderMessage({ policy, action, customer, invoices: [invoice], to: "+5547999123456" });
    expect(message.template?.body.map((p) => (p.type === "text" ? p.text : p.fallback))).toEqual([
      "Maria Souza",
      formatMoney({ amountMinor: 4990, currency: "BRL" }, "pt-BR"),
      "10/03/2026",
      "34191790010104351004791020150008291070026000",
    ]);
  });

  it("an unknown #variable# is an error at parse time, not a literal", () => {
    expect(() => parsePolicy(yaml.replace("#areceber_valor#", "#areceber_valorr#"), "policy.yaml")).toThrow(
      /unknown IXC variable "#areceber_valorr#"/,
    );
  });
});
