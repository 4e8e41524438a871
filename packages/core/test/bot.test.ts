import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BotAction,
  type BotInput,
  type BotInvoice,
  type BotSettingsInput,
  BotSettingsSchema,
  type BotState,
  birthDateIn,
  botTurn,
  taxIdIn,
} from "../src/bot/index.js";
import { withCnpjCheckDigits, withCpfCheckDigits } from "../src/tax-id.js";

const CPF = "52998224725";
const maria = { source: "erp", customerRef: "c1", name: "Maria Silva", taxId: CPF };

function settings(overrides: Partial<BotSettingsInput> = {}) {
  return BotSettingsSchema.parse({ companyName: "Acme Telecom", ...overrides });
}

const message = (text: string, payload: string | null = null): BotInput => ({
  type: "message",
  text,
  payload,
});

function invoice(n: number, overrides: Partial<BotInvoice> = {}): BotInvoice {
  return {
    ref: `inv-${n}`,
    number: `NF-${n}`,
    dueDate: `2026-03-${String(n).padStart(2, "0")}`,
    openAmount: { amountMinor: 10_000 + n, currency: "BRL" },
    boletoLine: `3419179001010435100479102015000829107002600${n}`,
    ...overrides,
  };
}

/** Runs inputs from the start; returns the last state and every action, in order. */
function run(s: ReturnType<typeof settings>, inputs: BotInput[], from: BotState | null = null) {
  let state = from;
  const actions: BotAction[] = [];
  for (const input of inputs) {
    const turn = botTurn(s, state, input);
    state = turn.state;
    actions.push(...turn.actions);
  }
  return { state, actions };
}

const replies = (actions: BotAction[]) =>
  actions.flatMap((a) => (a.type === "reply" ? [a.reply.type === "text" ? a.reply.text : a.reply.body] : []));
const commands = (actions: BotAction[]) => actions.filter((a) => a.type !== "reply").map((a) => a.type);

const identifiedState = (invoices: BotInvoice[], chosen: string | null = null): BotState => ({
  step: "menu",
  customer: maria,
  invoices,
  chosen,
});

describe("CPF/CNPJ", () => {
  it("welcomes, asks, and looks up a CPF typed formatted or not", () => {
    const s = settings();
    const first = run(s, [message("Oi")]);
    expect(replies(first.actions)).toEqual([
      expect.stringContaining("Acme Telecom"),
      expect.stringContaining("CPF"),
    ]);
    for (const typed of ["529.982.247-25", "52998224725", " 529 982 247 25 ", "meu cpf é 529.982.247-25"]) {
      const turn = botTurn(s, first.state, message(typed));
      expect(turn.actions).toEqual([{ type: "find_customers", taxId: CPF }]);
    }
    expect(botTurn(s, first.state, message("11.222.333/0001-81")).actions).toEqual([
      { type: "find_customers", taxId: "11222333000181" },
    ]);
  });

  it("a CPF in the first message is looked up at once", () => {
    expect(commands(run(settings(), [message("529.982.247-25")]).actions)).toEqual(["find_customers"]);
  });

  it("accepts every id with right check digits, formatted or not, and refuses a wrong check digit (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), fc.integer({ min: 9, max: 10 }), (nine, position) => {
        const cpf = withCpfCheckDigits(nine);
        if (/^(\d)\1{10}$/.test(cpf)) return;
        const formatted = `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
        expect(taxIdIn(formatted)).toBe(cpf);
        expect(taxIdIn(cpf)).toBe(cpf);
        const digit = (Number(cpf[position]) + 1) % 10;
        const changed = `${cpf.slice(0, position)}${digit}${cpf.slice(position + 1)}`;
        expect(taxIdIn(changed)).toBeNull();
      }),
    );
    expect(taxIdIn(withCnpjCheckDigits("12ABC34501DE"))).toBe(withCnpjCheckDigits("12ABC34501DE"));
  });

  it("three wrong tries hand over to an operator, or close when the menu has none", () => {
    const s = settings();
    const handed = run(s, [message("Oi"), message("123"), message("111.111.111-11"), message("52998224726")]);
    expect(handed.state).toEqual({ step: "handed_off" });
    expect(replies(handed.actions).filter((r) => r.includes("tentativa"))).toHaveLength(2);
    expect(commands(handed.actions)).toEqual(["hand_off"]);

    const noOperator = settings({ menu: { operator: { enabled: false } } });
    const closed = run(noOperator, [message("Oi"), message("1"), message("2"), message("3")]);
    expect(closed.state).toEqual({ step: "closed" });
    expect(commands(closed.actions)).toEqual(["close"]);
  });

  it("a CPF nobody has counts as a try; a refused lookup does not", () => {
    const s = settings({ maxTries: 2 });
    const { state } = run(s, [message("Oi"), { type: "customers", taxId: CPF, found: [] }]);
    expect(state).toEqual({ step: "ask_tax_id", tries: 1 });
    const limited = botTurn(s, state, { type: "lookup_refused", reason: "rate_limited" });
    expect(limited.state).toEqual(state);
    expect(replies(limited.actions)).toEqual([expect.stringContaining("Muitas consultas")]);
  });
});

describe("privacy", () => {
  const found = (phoneMatches: boolean): BotInput => ({
    type: "customers",
    taxId: CPF,
    found: [{ ...maria, phoneMatches }],
  });

  it("a number registered for the customer is identified and gets the fresh invoice list", () => {
    const { state, actions } = run(settings(), [message("Oi"), message(CPF), found(true)]);
    expect(actions.filter((a) => a.type !== "reply")).toEqual([
      { type: "find_customers", taxId: CPF },
      { type: "identified", customer: maria },
      { type: "list_invoices", customer: maria },
    ]);
    expect(state).toMatchObject({ step: "invoices", customer: maria });
  });

  it("any other number never gets details: an operator when no second factor is set", () => {
    const { state, actions } = run(settings(), [message("Oi"), message(CPF), found(false)]);
    expect(commands(actions)).toEqual(["find_customers", "hand_off"]);
    expect(JSON.stringify(actions)).not.toContain("Maria");
    expect(state).toEqual({ step: "handed_off" });
  });

  it("or the second factor: a birth date checked by the ERP read, wrong answers counted", () => {
    const s = settings({ secondFactor: "birth_date" });
    const asked = run(s, [message("Oi"), message(CPF), found(false)]);
    expect(asked.state).toEqual({ step: "verify", tries: 0, taxId: CPF });
    expect(replies(asked.actions).at(-1)).toContain("data de nascimento");
    expect(botTurn(s, asked.state, message("21/07/1984")).actions).toEqual([
      { type: "check_factor", taxId: CPF, factor: "birth_date", answer: "1984-07-21" },
    ]);
    const wrong = botTurn(s, asked.state, { type: "factor_checked", customer: null });
    expect(wrong.state).toEqual({ step: "verify", tries: 1, taxId: CPF });
    const nonsense = botTurn(s, wrong.state, message("31/02/1984"));
    expect(nonsense.state).toEqual({ step: "verify", tries: 2, taxId: CPF });
    const right = botTurn(s, nonsense.state, { type: "factor_checked", customer: maria });
    expect(commands(right.actions)).toEqual(["identified", "list_invoices"]);
  });

  it("reads dates as people type them", () => {
    expect(birthDateIn("21071984")).toBe("1984-07-21");
    expect(birthDateIn("1984-07-21")).toBe("1984-07-21");
    expect(birthDateIn("21.07.1984")).toBe("1984-07-21");
    expect(birthDateIn("29/02/2023")).toBeNull();
    expect(birthDateIn("ontem")).toBeNull();
  });
});

describe("invoices and menu", () => {
  const s = settings({ negotiationUrl: "https://acme.example/negociar?doc={taxId}&f={invoice}" });
  const listed = (invoices: BotInvoice[]) =>
    botTurn(s, { step: "invoices", customer: maria, invoices: [] }, { type: "invoices", invoices });

  it("lists open invoices oldest first as an interactive list within WhatsApp's limits", () => {
    const many = Array.from({ length: 15 }, (_, i) =>
      invoice(15 - i, { number: `FATURA-NUMERO-MUITO-LONGA-${15 - i}` }),
    );
    const turn = listed(many);
    const list = turn.actions[0]?.type === "reply" ? turn.actions[0].reply : null;
    expect(list?.type).toBe("list");
    if (list?.type !== "list") return;
    const rows = list.sections.flatMap((section) => section.rows);
    expect(rows).toHaveLength(10);
    expect(rows[0]?.id).toBe("regua-bot:inv:0");
    expect(rows[0]?.description).toContain("01/03/2026");
    expect(rows.every((r) => r.title.length <= 24 && (r.description?.length ?? 0) <= 72)).toBe(true);
    expect(list.body).toContain("(10/15)");
    expect(list.button.length).toBeLessThanOrEqual(20);
  });

  it("a tap on a bill opens the menu about it; each option does its thing and the menu comes back", () => {
    const bills = [invoice(2), invoice(1)];
    const chosen = botTurn(s, listed(bills).state, message("NF-2", "regua-bot:inv:1"));
    expect(chosen.state).toMatchObject({ step: "menu", chosen: "inv-2" });
    const menu = chosen.actions[0]?.type === "reply" ? chosen.actions[0].reply : null;
    expect(menu?.type === "list" && menu.sections[0]?.rows.map((r) => r.id)).toEqual([
      "regua-bot:menu:barcode",
      "regua-bot:menu:boleto",
      "regua-bot:menu:statement",
      "regua-bot:menu:negotiation",
      "regua-bot:menu:agreement",
      "regua-bot:menu:otherInvoice",
      "regua-bot:menu:operator",
      "regua-bot:menu:restart",
    ]);
    const tap = (option: string) => botTurn(s, chosen.state, message(option, `regua-bot:menu:${option}`));

    expect(replies(tap("barcode").actions).slice(0, 2)).toEqual([
      "Linha digitável da fatura NF-2:",
      invoice(2).boletoLine,
    ]);
    expect(tap("boleto").actions[0]).toMatchObject({
      type: "send_document",
      document: "boleto_pdf",
      invoices: [{ ref: "inv-2" }],
    });
    expect(tap("agreement").actions[0]).toMatchObject({ type: "send_document", document: "agreement_term" });
    expect(tap("statement").actions[0]).toMatchObject({
      type: "send_statement",
      invoices: [{ ref: "inv-1" }, { ref: "inv-2" }],
      caption: "Extrato de débitos de Maria Silva",
    });
    expect(replies(tap("negotiation").actions)[0]).toBe(
      "Negocie online: https://acme.example/negociar?doc=52998224725&f=inv-2",
    );
    expect(tap("operator")).toMatchObject({ state: { step: "handed_off" } });
    expect(commands(tap("operator").actions)).toEqual(["hand_off"]);
    expect(tap("restart").state).toEqual({ step: "ask_tax_id", tries: 0 });
    expect(tap("otherInvoice").state).toMatchObject({ step: "invoices" });
    for (const option of ["barcode", "boleto", "statement"]) {
      const last = tap(option).actions.at(-1);
      expect(last?.type === "reply" && last.reply.type).toBe("list");
    }
    // Typed answers work too: the position, or the title.
    expect(botTurn(s, chosen.state, message("3")).actions[0]).toMatchObject({ type: "send_statement" });
    expect(botTurn(s, chosen.state, message("boleto (pdf)")).actions[0]).toMatchObject({
      type: "send_document",
    });
  });

  it("a bill without a barcode line says so", () => {
    const turn = botTurn(s, identifiedState([invoice(1, { boletoLine: null })], "inv-1"), message("1"));
    expect(replies(turn.actions)[0]).toBe("A fatura NF-1 ainda não tem código de barras.");
  });

  it("options the tenant switched off are not offered, and tapping one anyway is not understood", () => {
    const off = settings({ menu: { statement: { enabled: false }, boleto: { enabled: false, label: "x" } } });
    const state = identifiedState([invoice(1), invoice(2)], "inv-1");
    const turn = botTurn(off, state, message("Extrato", "regua-bot:menu:statement"));
    expect(replies(turn.actions)[0]).toContain("Não entendi");
    expect(commands(turn.actions)).toEqual([]);
  });

  it("no open invoices: says so, with reply buttons to an operator or another CPF", () => {
    const turn = listed([]);
    const reply = turn.actions[0]?.type === "reply" ? turn.actions[0].reply : null;
    expect(reply).toMatchObject({
      type: "buttons",
      body: "Maria, não há faturas em aberto. Obrigado!",
      buttons: [
        { id: "regua-bot:menu:operator", title: "Falar com atendente" },
        { id: "regua-bot:menu:restart", title: "Consultar outro CPF" },
      ],
    });
  });
});

describe("wording, languages and timeouts", () => {
  it("speaks Spanish or English, and the tenant's own words first", () => {
    expect(replies(run(settings({ language: "es" }), [message("Hola")]).actions)[1]).toContain(
      "informe el CPF",
    );
    expect(replies(run(settings({ language: "en" }), [message("Hi")]).actions)[1]).toContain(
      "send the account",
    );
    const own = settings({ texts: { welcome: "Bem-vindo à {company}!" } });
    expect(replies(run(own, [message("Oi")]).actions)[0]).toBe("Bem-vindo à Acme Telecom!");
  });

  it("a silent conversation closes with the closing message; a handed-off one is left to the operator", () => {
    const s = settings();
    const closed = botTurn(s, { step: "ask_tax_id", tries: 0 }, { type: "timeout" });
    expect(closed.state).toEqual({ step: "closed" });
    expect(commands(closed.actions)).toEqual(["close"]);
    expect(botTurn(s, { step: "handed_off" }, { type: "timeout" }).actions).toEqual([]);
    expect(botTurn(s, { step: "handed_off" }, message("oi")).actions).toEqual([]);
  });

  it("rejects settings a tenant could get wrong", () => {
    expect(() => BotSettingsSchema.parse({})).toThrow();
    expect(() => settings({ negotiationUrl: "http://insecure.example" })).toThrow();
    expect(() =>
      settings({ menu: { barcode: { label: "a label much longer than a row title" } } }),
    ).toThrow();
  });
});
