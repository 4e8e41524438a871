import { describe, expect, it } from "vitest";
import type { PlannedAction } from "../src/actions.js";
import { ValidationError } from "../src/errors.js";
import { Customer, Invoice, type InvoiceInput } from "../src/model.js";
import { parsePolicy, renderMessage, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
const customer = Customer.parse({
  source: "erp",
  externalId: "C1",
  name: "Maria  da Silva",
  phones: ["+5511987654321"],
});

function invoice(id: string, overrides: Partial<InvoiceInput> = {}): Invoice {
  return Invoice.parse({
    source: "erp",
    externalId: id,
    number: `NF-${id}`,
    customerRef: "C1",
    issueDate: "2026-10-25",
    dueDate: "2026-11-25",
    total: { amountMinor: 123456, currency: "BRL" },
    openAmount: { amountMinor: 123456, currency: "BRL" },
    status: "open",
    instruments: {
      boletoLine: "23793381286000000000300000000401184340000123456",
      pixCode: "00020126580014BR.GOV.BCB.PIX",
      payLink: "https://pay.example.com/NF-1",
      documentUrl: "https://erp.example.com/boleto/1.pdf",
    },
    ...overrides,
  });
}

function action(stepId: string, invoiceRefs: string[]): PlannedAction {
  return {
    key: `erp:inv:${invoiceRefs[0]}:${stepId}:2026-11-25`,
    source: "erp",
    customerRef: "C1",
    invoiceRefs,
    stepId,
    kind: stepId.startsWith("lifecycle:") ? "lifecycle" : "message",
    channel: "wa",
    template: null,
    dueAt: "2026-11-22T11:00:00.000Z",
    expiresAt: null,
    payload: {},
    trace: [],
  };
}

describe("renderMessage", () => {
  it("fills the D-3 reminder in the order of its variables", () => {
    const message = renderMessage({
      policy,
      action: action("lembrete-d-3", ["1"]),
      customer,
      invoices: [invoice("1")],
      to: "+5511987654321",
    });
    expect(message.actionKey).toBe("erp:inv:1:lembrete-d-3:2026-11-25");
    expect(message.template?.name).toBe("lembrete_vencimento");
    expect(message.template?.language).toBe("pt_BR");
    expect(message.template?.body).toEqual([
      { type: "text", text: "Maria" },
      { type: "text", text: "NF-1" },
      { type: "currency", amount: { amountMinor: 123456, currency: "BRL" }, fallback: "R$\u00a01.234,56" },
      { type: "date_time", date: "2026-11-25", fallback: "25/11/2026" },
      { type: "text", text: "23793381286000000000300000000401184340000123456" },
    ]);
    expect(message.template?.header).toBeUndefined();
    expect(message.preview).toContain("lembrete_vencimento");
    expect(message.preview).toContain("R$\u00a01.234,56");
  });

  it("attaches the boleto PDF as a document header when the step asks for it", () => {
    const message = renderMessage({
      policy,
      action: action("vencimento-d0", ["1"]),
      customer,
      invoices: [invoice("1")],
      to: "+5511987654321",
    });
    expect(message.template?.header).toEqual({
      type: "document",
      document: { link: "https://erp.example.com/boleto/1.pdf", filename: "boleto-NF-1.pdf" },
    });
  });

  it("throws naming the step and variable when the PIX code is missing", () => {
    const noPix = invoice("1", {
      instruments: { boletoLine: null, pixCode: null, payLink: null, documentUrl: null },
    });
    const render = () =>
      renderMessage({
        policy,
        action: action("vencimento-d0", ["1"]),
        customer,
        invoices: [noPix],
        to: "+5511",
      });
    expect(render).toThrow(ValidationError);
    expect(render).toThrow(/vencimento-d0: variable "3" \(invoice\.pixCode\) is missing/);
    try {
      render();
    } catch (error) {
      expect((error as ValidationError).issues[0]?.path).toBe("steps[1].variables.3");
    }
  });

  it("rejects a blank value instead of sending an empty parameter", () => {
    const blank = invoice("1", {
      instruments: { boletoLine: "   ", pixCode: null, payLink: null, documentUrl: null },
    });
    expect(() =>
      renderMessage({
        policy,
        action: action("lembrete-d-3", ["1"]),
        customer,
        invoices: [blank],
        to: "+55",
      }),
    ).toThrow(/invoice\.boletoLine/);
  });

  it("renders lifecycle messages and customer totals; uses names for non-numeric variables", () => {
    const custom = parsePolicy(
      `timezone: America/Sao_Paulo
steps:
  - id: d3
    offsetDays: 3
    channel: wa
    template: { name: resumo, language: pt_BR }
    variables:
      nome: customer.name
      quantas: invoices.count
      total: invoices.totalOpen
      lista: invoices.list
      assinatura: { literal: "invoice.number" }
      equipe: Equipe Financeira
`,
      "p.yaml",
    );
    const invoices = [
      invoice("2", { dueDate: "2026-11-30", openAmount: { amountMinor: 5000, currency: "BRL" } }),
      invoice("1", { openAmount: { amountMinor: 1000, currency: "BRL" } }),
    ];
    const message = renderMessage({
      policy: custom,
      action: action("d3", ["1", "2"]),
      customer,
      invoices,
      to: "+55",
    });
    expect(message.template?.body).toEqual([
      { type: "text", name: "nome", text: "Maria  da Silva" },
      { type: "text", name: "quantas", text: "2" },
      {
        type: "currency",
        name: "total",
        amount: { amountMinor: 6000, currency: "BRL" },
        fallback: "R$\u00a060,00",
      },
      {
        type: "text",
        name: "lista",
        text: "nº NF-1 R$\u00a010,00 venc. 25/11/2026; nº NF-2 R$\u00a050,00 venc. 30/11/2026",
      },
      { type: "text", name: "assinatura", text: "invoice.number" },
      { type: "text", name: "equipe", text: "Equipe Financeira" },
    ]);
    const confirmation = renderMessage({
      policy,
      action: action("lifecycle:paymentConfirmation", ["1"]),
      customer,
      invoices: [invoice("1")],
      to: "+55",
    });
    expect(confirmation.template?.name).toBe("confirmacao_pagamento");
  });

  it("refuses steps that are not messages, unknown steps and missing invoices", () => {
    const base = { policy, customer, to: "+55" };
    expect(() =>
      renderMessage({ ...base, action: action("escalar-d15", ["1"]), invoices: [invoice("1")] }),
    ).toThrow(/escalate step, not a message/);
    expect(() => renderMessage({ ...base, action: action("nope", ["1"]), invoices: [] })).toThrow(
      /no step "nope"/,
    );
    expect(() =>
      renderMessage({ ...base, action: action("lifecycle:cancellation", []), invoices: [] }),
    ).toThrow(/no lifecycle message "cancellation"/);
    expect(() => renderMessage({ ...base, action: action("vencida-d3", ["1"]), invoices: [] })).toThrow(
      /the action has no invoice/,
    );
  });
});

describe("renderMessage: buttons", () => {
  const withButtons = parsePolicy(
    `timezone: America/Sao_Paulo
steps:
  - id: d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje }
    variables: { "1": invoice.openAmount }
    buttons:
      - { index: 0, type: copy_code, source: invoice.pixCode }
      - { index: 1, type: url, source: invoice.number }
`,
    "p.yaml",
  );

  it("fills a PIX copy-code button and a URL suffix", () => {
    const message = renderMessage({
      policy: withButtons,
      action: action("d0", ["1"]),
      customer,
      invoices: [invoice("1")],
      to: "+55",
    });
    expect(message.template?.buttons).toEqual([
      { index: 0, subType: "copy_code", parameter: "00020126580014BR.GOV.BCB.PIX" },
      { index: 1, subType: "url", parameter: "NF-1" },
    ]);
  });

  it("names the button whose value is missing", () => {
    const noPix = invoice("1", {
      instruments: { boletoLine: null, pixCode: null, payLink: null, documentUrl: null },
    });
    expect(() =>
      renderMessage({
        policy: withButtons,
        action: action("d0", ["1"]),
        customer,
        invoices: [noPix],
        to: "+55",
      }),
    ).toThrow(/d0: buttons\[0\] \(invoice\.pixCode\) is missing/);
  });

  it("rejects duplicate button indexes when parsing", () => {
    const text = `timezone: America/Sao_Paulo
steps:
  - id: d0
    offsetDays: 0
    channel: wa
    template: { name: t }
    buttons: [{ index: 0, type: url, source: invoice.number }, { index: 0, type: url, source: invoice.number }]
`;
    expect(() => parsePolicy(text, "p.yaml")).toThrow(
      /p\.yaml:7:14 steps\[0\]\.buttons: button indexes must be unique/,
    );
  });
});

describe("renderMessage: invoices.list", () => {
  const listing = parsePolicy(
    `timezone: America/Sao_Paulo
locale: en-US
steps:
  - { id: d3, offsetDays: 3, channel: wa, template: { name: resumo }, variables: { "1": invoices.list } }
`,
    "p.yaml",
  );

  it("shows the oldest ten invoices and counts the rest, in the policy's locale", () => {
    const invoices = Array.from({ length: 12 }, (_, i) =>
      invoice(String(i + 10), {
        dueDate: `2026-11-${String(i + 10)}`,
        openAmount: { amountMinor: 100, currency: "BRL" },
      }),
    );
    const refs = invoices.map((i) => i.externalId);
    const [list] = renderMessage({
      policy: listing,
      action: action("d3", refs),
      customer,
      invoices,
      to: "+55",
    }).template?.body ?? [{ type: "text", text: "" }];
    const text = list?.type === "text" ? list.text : "";
    expect(text.startsWith("#NF-10 R$1.00 due 11/10/2026; #NF-11")).toBe(true);
    expect(text.endsWith("#NF-19 R$1.00 due 11/19/2026; … (+2)")).toBe(true);
  });

  it("renders a console-planned action from its payload.message, and refuses a bad one", () => {
    const planned = {
      ...action("console:batch:b1", ["1", "2"]),
      payload: {
        message: {
          channel: "wa",
          template: { name: "lembrete_contato", language: "pt_BR" },
          variables: { "1": "customer.firstName", "2": "invoices.totalOpen" },
        },
      },
    };
    const message = renderMessage({
      policy,
      action: planned,
      customer,
      invoices: [invoice("1"), invoice("2")],
      to: "+5511987654321",
    });
    expect(message.template?.name).toBe("lembrete_contato");
    expect(
      message.template?.body.map((p) =>
        p.type === "text" ? p.text : p.type === "currency" ? p.amount.amountMinor : p.fallback,
      ),
    ).toEqual([
      customer.name.split(" ")[0],
      invoice("1").openAmount.amountMinor + invoice("2").openAmount.amountMinor,
    ]);
    expect(() =>
      renderMessage({
        policy,
        action: { ...planned, payload: { message: { channel: "wa" } } },
        customer,
        invoices: [invoice("1")],
        to: "+5511987654321",
      }),
    ).toThrow(/payload\.message/);
  });
});
