import { customerDefaults } from "@regua/connector-kit";
import {
  type Customer,
  classifyTaxId,
  type Invoice,
  type InvoiceStatus,
  normalizePhone,
  type Payment,
  toMinorUnits,
  ValidationError,
} from "@regua/core";
import { z } from "zod";
import type { Areceber, Cliente, Contrato } from "./schemas.js";

/**
 * Pure IXC → canonical mapping. A field that cannot be mapped throws a core ValidationError
 * naming it; the listing turns it into a RecordReject with the row's id.
 */
export function invalid(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`, [{ path: field, message }], { where: "ixc" });
}

export interface MapContext {
  source: string;
  /** The server's UTC offset, "-03:00": IXC stamps carry no zone. */
  utcOffset: string;
  defaultRegion: string;
}

type Region = NonNullable<Parameters<typeof normalizePhone>[1]>;

/** IXC keeps money in reais; régua in centavos. */
const CURRENCY = "BRL";
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "0000-00-00" (and "0000-00-00 00:00:00", and "") are IXC's empty dates. */
export function ixcDate(value: string | undefined): string | null {
  const date = (value ?? "").slice(0, 10);
  return DATE.test(date) && !date.startsWith("0000") ? date : null;
}

/** "2026-03-14 09:00:00" at the server's offset → "2026-03-14T12:00:00.000Z"; empty → null. */
export function ixcStampIso(value: string | undefined, utcOffset: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(value ?? "");
  if (!match || match[1]?.startsWith("0000")) return null;
  const ms = Date.parse(`${match[1]}T${match[2]}${utcOffset}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function brl(value: string | undefined, field: string): { amountMinor: number; currency: string } {
  try {
    return { amountMinor: toMinorUnits(value ?? "0", CURRENCY), currency: CURRENCY };
  } catch {
    invalid(field, `must be a decimal amount (got ${JSON.stringify(value)})`);
  }
}

const Email = z.email();

/** whatsapp first (the number the customer said takes messages), then the mobile, then the landline. */
function phonesOf(cliente: Cliente, region: string): string[] {
  const phones = [cliente.whatsapp, cliente.telefone_celular, cliente.fone]
    .map((raw) => normalizePhone(raw, region as Region))
    .filter((phone): phone is string => phone !== null);
  return [...new Set(phones)];
}

export function mapCliente(cliente: Cliente, ctx: MapContext, contracts: readonly Contrato[] = []): Customer {
  const name = cliente.razao.trim() || cliente.fantasia.trim();
  if (!name) invalid("razao", "is empty (and so is fantasia)");
  const tax = classifyTaxId(cliente.cnpj_cpf, "BR");
  // An invalid CPF/CNPJ typed into IXC does not stop the dunning: the field is left out.
  const { taxId, taxIdKind } = "error" in tax ? { taxId: null, taxIdKind: null } : tax;
  const email = Email.safeParse(cliente.email.trim());
  return {
    source: ctx.source,
    externalId: cliente.id,
    name,
    taxId,
    taxIdKind,
    country: "BR",
    phones: phonesOf(cliente, ctx.defaultRegion),
    email: email.success ? email.data : null,
    language: "pt-BR",
    ...customerDefaults(),
    tags: [...(cliente.ativo === "N" ? ["ixc:inativo"] : []), ...contractTags(contracts)],
    // The self-service bot's second factor (docs/bot.md): a person's birth date, the CEP.
    birthDate: ixcDate(cliente.data_nascimento),
    postalCode: cliente.cep.trim() || null,
    customFields: {
      ...(cliente.fantasia ? { fantasia: cliente.fantasia } : {}),
      ...(cliente.tipo_pessoa ? { tipoPessoa: cliente.tipo_pessoa } : {}),
      ...(contracts.length > 0 ? { contratos: contracts.map(contractSummary) } : {}),
    },
    updatedAt: ixcStampIso(cliente.ultima_atualizacao, ctx.utcOffset),
    raw: cliente,
  };
}

/**
 * The ISP's suspension state, as tags a policy can test: `ixc:bloqueado` while a contract's
 * internet access is blocked (CA automatic, CM manual), `ixc:em-atraso` when IXC flagged it
 * (FA: financeiro em atraso, the warning before the block), `ixc:ativo` when access is on.
 */
export function contractTags(contracts: readonly Contrato[]): string[] {
  const tags = new Set<string>();
  for (const contract of contracts) {
    if (contract.status_internet === "CA" || contract.status_internet === "CM") tags.add("ixc:bloqueado");
    else if (contract.status_internet === "FA") tags.add("ixc:em-atraso");
    else if (contract.status_internet === "A") tags.add("ixc:ativo");
  }
  return [...tags].sort();
}

function contractSummary(contract: Contrato) {
  return {
    id: contract.id,
    plano: contract.contrato,
    status: contract.status,
    statusInternet: contract.status_internet,
  };
}

/** IXC's receivable status → canonical. C is a cancellation, never a payment. */
export function statusOf(row: Areceber, openMinor: number, receivedMinor: number): InvoiceStatus {
  switch (row.status) {
    case "A":
      return receivedMinor > 0 && openMinor > 0 ? "partially_paid" : "open";
    case "P":
      return "partially_paid";
    case "R":
      return "paid";
    case "C":
      return "cancelled";
    default:
      invalid("status", `must be A, P, R or C (got ${JSON.stringify(row.status)})`);
  }
}

export function mapAreceber(row: Areceber, ctx: MapContext): Invoice {
  const dueDate = ixcDate(row.data_vencimento);
  if (!dueDate) invalid("data_vencimento", `must be a date (got "${row.data_vencimento}")`);
  const total = brl(row.valor, "valor");
  const received = brl(row.valor_recebido, "valor_recebido");
  const status = statusOf(row, brl(row.valor_aberto, "valor_aberto").amountMinor, received.amountMinor);
  // A received or cancelled receivable owes nothing, whatever valor_aberto still says.
  const open =
    status === "paid" || status === "cancelled" ? 0 : brl(row.valor_aberto, "valor_aberto").amountMinor;
  if (open < 0) invalid("valor_aberto", `must not be negative (got "${row.valor_aberto}")`);
  const link = z.url().safeParse(row.gateway_link);
  return {
    source: ctx.source,
    externalId: row.id,
    number: row.documento.trim() || row.id,
    customerRef: row.id_cliente,
    issueDate: ixcDate(row.data_emissao) ?? dueDate,
    dueDate,
    total,
    openAmount: { amountMinor: open, currency: CURRENCY },
    status,
    instruments: {
      // Empty until the boleto is generated (get_boleto fills it).
      boletoLine: row.linha_digitavel.trim() || null,
      pixCode: null,
      payLink: link.success ? link.data : null,
      documentUrl: null,
    },
    updatedAt: ixcStampIso(row.ultima_atualizacao, ctx.utcOffset),
    raw: row,
  };
}

/**
 * What was received on a receivable, as a payment allocated to it. IXC records the receipt on
 * the receivable itself (valor_recebido, pagamento_data); the payment takes the receivable's id.
 */
export function mapRecebimento(row: Areceber, ctx: MapContext): Payment | null {
  const amount = brl(row.valor_recebido, "valor_recebido");
  if (amount.amountMinor <= 0 || row.status === "C") return null;
  const date =
    ixcDate(row.pagamento_data) ?? ixcStampIso(row.ultima_atualizacao, ctx.utcOffset)?.slice(0, 10);
  if (!date) invalid("pagamento_data", `must be a date (got "${row.pagamento_data}")`);
  return {
    source: ctx.source,
    externalId: row.id,
    customerRef: row.id_cliente,
    date,
    amount,
    allocations: [{ invoiceRef: row.id, amount }],
    updatedAt: ixcStampIso(row.ultima_atualizacao, ctx.utcOffset),
    raw: row,
  };
}

/** A normalised CPF/CNPJ (digits) as IXC stores it: "123.456.789-09", "11.222.333/0001-81". */
export function formatTaxId(digits: string): string | null {
  if (/^\d{11}$/.test(digits)) return digits.replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, "$1.$2.$3-$4");
  if (/^\d{14}$/.test(digits))
    return digits.replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, "$1.$2.$3/$4-$5");
  return null;
}
