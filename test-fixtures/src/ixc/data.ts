import type { Dataset, GeneratedCustomer, GeneratedInvoice } from "../generator.js";

/**
 * IXC Provedor's webservice rows, as its grid answers them: every value a string (ids, amounts,
 * flags), dates as "YYYY-MM-DD" and stamps as "YYYY-MM-DD HH:MM:SS" in the server's local time,
 * "0000-00-00" for an empty date, CPF/CNPJ stored formatted ("123.456.789-09").
 * Field names follow the IXC tables `cliente`, `fn_areceber`, `cliente_contrato`, `su_ticket`
 * (as public IXC webservice clients read and write them).
 */
export type IxcRow = Record<string, string>;

export interface IxcTables {
  cliente: IxcRow[];
  fn_areceber: IxcRow[];
  cliente_contrato: IxcRow[];
  su_ticket: IxcRow[];
  su_oss_assunto: IxcRow[];
  empresa_setor: IxcRow[];
  [table: string]: IxcRow[];
}

export const EMPTY_DATE = "0000-00-00";

/** "12345678909" → "123.456.789-09"; "11222333000181" → "11.222.333/0001-81". */
export function formatTaxId(digits: string): string {
  if (digits.length === 11) return digits.replace(/^(\d{3})(\d{3})(\d{3})(\d{2})$/, "$1.$2.$3-$4");
  return digits.replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, "$1.$2.$3/$4-$5");
}

/** "+5511987654321" → "(11) 98765-4321", as IXC's forms store it. */
export function formatPhone(e164: string): string {
  const national = e164.replace(/^\+55/, "");
  return `(${national.slice(0, 2)}) ${national.slice(2, 7)}-${national.slice(7)}`;
}

/** An ISO instant → IXC's local stamp in São Paulo time (UTC−3): "2026-03-14 09:00:00". */
export function toIxcStamp(ms: number): string {
  return new Date(ms - 3 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
}

function clienteRow(customer: GeneratedCustomer, id: number): IxcRow {
  return {
    id: String(id),
    razao: customer.name,
    fantasia: customer.kind === "cnpj" ? (customer.name.split(" ")[0] ?? "") : "",
    tipo_pessoa: customer.kind === "cnpj" ? "J" : "F",
    cnpj_cpf: formatTaxId(customer.taxId),
    telefone_celular: formatPhone(customer.phone),
    whatsapp: customer.phone.replace(/^\+55/, ""),
    fone: "",
    email: customer.email,
    ativo: "S",
    uf: customer.state,
    cep: "",
    data_nascimento: "0000-00-00",
    data_cadastro: customer.updatedAt.slice(0, 10),
    ultima_atualizacao: toIxcStamp(Date.parse(customer.updatedAt)),
  };
}

const STATUS: Record<GeneratedInvoice["status"], string> = { open: "A", paid: "R", cancelled: "C" };

function areceberRow(invoice: GeneratedInvoice, idCliente: string, idContrato: string): IxcRow {
  const paid = invoice.paid !== "0.00";
  const openCents = Math.round(Number(invoice.total) * 100) - Math.round(Number(invoice.paid) * 100);
  const status = invoice.status === "open" && paid ? "P" : STATUS[invoice.status];
  // IXC fills linha_digitavel once the boleto was generated (printed); a third are not yet.
  const printed = invoice.id % 3 !== 0;
  return {
    id: String(invoice.id),
    id_cliente: idCliente,
    id_contrato: idContrato,
    documento: invoice.number,
    valor: invoice.total,
    valor_aberto: status === "C" || status === "R" ? "0.00" : (openCents / 100).toFixed(2),
    valor_recebido: invoice.paid,
    valor_cancelado: status === "C" ? invoice.total : "0.00",
    data_emissao: invoice.issueDate,
    data_vencimento: invoice.dueDate,
    pagamento_data: paid ? invoice.dueDate : EMPTY_DATE,
    data_cancelamento: status === "C" ? invoice.dueDate : EMPTY_DATE,
    status,
    liberado: "S",
    nn_boleto: printed ? String(10_000_000 + invoice.id) : "",
    linha_digitavel: printed ? invoice.boletoLine : "",
    impresso: printed ? "S" : "N",
    // The payment page of the ISP's online gateway, where the tenant uses one (every other title here).
    gateway_link: invoice.id % 2 === 0 ? `https://pagamento.provedor.example/fatura/${invoice.id}` : "",
    ultima_atualizacao: toIxcStamp(Date.parse(invoice.updatedAt)),
  };
}

/** The generated dataset as IXC tables: one active contract per customer. */
export function datasetToIxc(dataset: Dataset): { tables: IxcTables; pix: Map<string, string> } {
  const idByCode = new Map<string, string>();
  const tables: IxcTables = {
    cliente: [],
    fn_areceber: [],
    cliente_contrato: [],
    su_ticket: [],
    su_oss_assunto: [
      { id: "1", assunto: "Suporte técnico", ativo: "S" },
      { id: "7", assunto: "Cobrança", ativo: "S" },
    ],
    empresa_setor: [
      { id: "1", setor: "Atendimento", ativo: "S" },
      { id: "3", setor: "Financeiro", ativo: "S" },
    ],
  };
  dataset.customers.forEach((customer, index) => {
    const row = clienteRow(customer, index + 1);
    idByCode.set(customer.code, row.id as string);
    tables.cliente.push(row);
    tables.cliente_contrato.push({
      id: String(5000 + index + 1),
      id_cliente: row.id as string,
      contrato: "FIBRA 300MB",
      status: "A",
      status_internet: "A",
      data_ativacao: row.data_cadastro as string,
      ultima_atualizacao: row.ultima_atualizacao as string,
    });
  });
  const pix = new Map<string, string>();
  for (const invoice of dataset.invoices) {
    const idCliente = idByCode.get(invoice.customerCode) ?? "0";
    tables.fn_areceber.push(areceberRow(invoice, idCliente, String(5000 + Number(idCliente))));
    pix.set(String(invoice.id), invoice.pixCode);
  }
  return { tables, pix };
}
