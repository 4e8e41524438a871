import { Customer, Invoice, Payment } from "@regua/core";
import { describe, expect, it } from "vitest";
import {
  contractTags,
  formatTaxId,
  ixcDate,
  ixcStampIso,
  mapAreceber,
  mapCliente,
  mapRecebimento,
} from "../src/map.js";
import { Areceber, Cliente, Contrato } from "../src/schemas.js";

const ctx = { source: "provedor", utcOffset: "-03:00", defaultRegion: "BR" };

/**
 * A grid row of fn_areceber as IXC answers it: every value a string, "0000-00-00" for empty
 * dates, linha_digitavel empty until the boleto is printed (field names as public IXC webservice
 * clients read them: id, id_cliente, valor, data_vencimento, linha_digitavel, impresso, status,
 * gateway_link).
 */
const areceber = {
  id: "48213",
  id_cliente: "1077",
  id_contrato: "2210",
  documento: "48213",
  valor: "99.90",
  valor_aberto: "99.90",
  valor_recebido: "0.00",
  valor_cancelado: "0.00",
  data_emissao: "2026-02-20",
  data_vencimento: "2026-03-10",
  pagamento_data: "0000-00-00",
  data_cancelamento: "0000-00-00",
  status: "A",
  liberado: "S",
  nn_boleto: "",
  linha_digitavel: "",
  impresso: "N",
  gateway_link: "",
  tipo_recebimento: "Boleto",
  ultima_atualizacao: "2026-02-20 08:15:42",
};

const cliente = {
  id: "1077",
  razao: "Maria Aparecida dos Santos",
  fantasia: "",
  tipo_pessoa: "F",
  cnpj_cpf: "529.982.247-25",
  telefone_celular: "(47) 99912-3456",
  whatsapp: "47999123456",
  fone: "(47) 3333-4444",
  email: "maria.santos@example.com",
  ativo: "S",
  ultima_atualizacao: "2025-11-03 17:02:11",
};

describe("fn_areceber → Invoice", () => {
  it("maps an open receivable with string amounts and empty dates", () => {
    const invoice = mapAreceber(Areceber.parse(areceber), ctx);
    expect(Invoice.safeParse(invoice).success).toBe(true);
    expect(invoice).toMatchObject({
      externalId: "48213",
      customerRef: "1077",
      status: "open",
      total: { amountMinor: 9990, currency: "BRL" },
      openAmount: { amountMinor: 9990, currency: "BRL" },
      dueDate: "2026-03-10",
      issueDate: "2026-02-20",
      instruments: { boletoLine: null, payLink: null },
      updatedAt: "2026-02-20T11:15:42.000Z",
    });
    expect(mapRecebimento(Areceber.parse(areceber), ctx)).toBeNull();
  });

  it("A/P/R/C: a cancellation is never a payment", () => {
    const at = (patch: Partial<typeof areceber>) =>
      mapAreceber(Areceber.parse({ ...areceber, ...patch }), ctx);
    expect(at({ status: "P", valor_aberto: "49.90", valor_recebido: "50.00" }).status).toBe("partially_paid");
    expect(at({ status: "A", valor_aberto: "49.90", valor_recebido: "50.00" }).status).toBe("partially_paid");
    const paid = at({
      status: "R",
      valor_aberto: "0.00",
      valor_recebido: "99.90",
      pagamento_data: "2026-03-09",
    });
    expect(paid).toMatchObject({ status: "paid", openAmount: { amountMinor: 0 } });
    const cancelled = at({ status: "C", valor_aberto: "99.90", valor_cancelado: "99.90" });
    expect(cancelled).toMatchObject({ status: "cancelled", openAmount: { amountMinor: 0 } });
    expect(mapRecebimento(Areceber.parse({ ...areceber, status: "C" }), ctx)).toBeNull();
    expect(() => at({ status: "X" })).toThrow(/status: must be A, P, R or C/);
    expect(() => at({ data_vencimento: "0000-00-00" })).toThrow(/data_vencimento/);
  });

  it("a received receivable is a payment allocated to it, on pagamento_data", () => {
    const row = Areceber.parse({
      ...areceber,
      status: "R",
      valor_recebido: "99.90",
      pagamento_data: "2026-03-09",
    });
    const payment = mapRecebimento(row, ctx);
    expect(Payment.safeParse(payment).success).toBe(true);
    expect(payment).toMatchObject({
      externalId: "48213",
      date: "2026-03-09",
      amount: { amountMinor: 9990 },
      allocations: [{ invoiceRef: "48213", amount: { amountMinor: 9990 } }],
    });
  });

  it("keeps the boleto line once printed and the gateway link", () => {
    const line = "34191790010104351004791020150008291070026000";
    const invoice = mapAreceber(
      Areceber.parse({ ...areceber, linha_digitavel: line, gateway_link: "https://pay.example.com/f/48213" }),
      ctx,
    );
    expect(invoice.instruments).toMatchObject({
      boletoLine: line,
      payLink: "https://pay.example.com/f/48213",
    });
  });

  it("accepts numbers where a version sends them, and refuses a non-decimal amount", () => {
    expect(Areceber.safeParse({ ...areceber, id: 48213, valor: 99.9 }).success).toBe(true);
    expect(Areceber.safeParse({ ...areceber, valor: "99,90" }).success).toBe(false);
  });
});

describe("cliente → Customer", () => {
  it("formatted CPF, WhatsApp first, server-local stamp", () => {
    const customer = mapCliente(Cliente.parse(cliente), ctx);
    expect(Customer.safeParse(customer).success).toBe(true);
    expect(customer).toMatchObject({
      externalId: "1077",
      name: "Maria Aparecida dos Santos",
      taxId: "52998224725",
      taxIdKind: "cpf",
      phones: ["+5547999123456", "+554733334444"],
      updatedAt: "2025-11-03T20:02:11.000Z",
    });
  });

  it("birth date and CEP, the bot's second factor; IXC's empty date is none", () => {
    const parsed = Cliente.parse({ ...cliente, data_nascimento: "1984-07-21", cep: "89010-100" });
    expect(mapCliente(parsed, ctx)).toMatchObject({ birthDate: "1984-07-21", postalCode: "89010-100" });
    const empty = mapCliente(Cliente.parse({ ...cliente, data_nascimento: "0000-00-00", cep: "" }), ctx);
    expect(empty).toMatchObject({ birthDate: null, postalCode: null });
  });

  it("an invalid CPF typed into IXC is left out, not a reject", () => {
    const customer = mapCliente(Cliente.parse({ ...cliente, cnpj_cpf: "111.111.111-12" }), ctx);
    expect(customer.taxId).toBeNull();
  });

  it("contract suspension states become tags", () => {
    const contract = (status_internet: string) =>
      Contrato.parse({ id: "1", id_cliente: "1077", status: "A", status_internet });
    expect(contractTags([contract("CA")])).toEqual(["ixc:bloqueado"]);
    expect(contractTags([contract("CM"), contract("A")])).toEqual(["ixc:ativo", "ixc:bloqueado"]);
    expect(contractTags([contract("FA")])).toEqual(["ixc:em-atraso"]);
  });
});

describe("IXC dates and CPF/CNPJ", () => {
  it("0000-00-00 is empty; stamps carry the server's offset", () => {
    expect(ixcDate("0000-00-00")).toBeNull();
    expect(ixcDate("")).toBeNull();
    expect(ixcDate("2026-03-10")).toBe("2026-03-10");
    expect(ixcStampIso("0000-00-00 00:00:00", "-03:00")).toBeNull();
    expect(ixcStampIso("2026-03-10 23:30:00", "-03:00")).toBe("2026-03-11T02:30:00.000Z");
  });

  it("formats a normalised tax id the way IXC stores it", () => {
    expect(formatTaxId("52998224725")).toBe("529.982.247-25");
    expect(formatTaxId("11222333000181")).toBe("11.222.333/0001-81");
    expect(formatTaxId("123")).toBeNull();
  });
});
