import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { generateDataset } from "../generator.js";
import { datasetToIxc, EMPTY_DATE, type IxcRow, type IxcTables, toIxcStamp } from "./data.js";
import { GridError, GridQuery, runGrid } from "./grid.js";
import { boletoPdfBase64 } from "./pdf.js";

export interface FakeIxcOptions {
  seed: number;
  customers: number;
  today: string;
  /** Basic auth is `<user id>:<token>` base64-encoded (IXC: Configurações → Usuários → token). */
  user: string;
  token: string;
  /** Mean receivables per customer. Default 3. */
  invoicesPerCustomer?: number;
  /** Whether the tenant has PIX (get_pix answers a code). Default true. */
  pix?: boolean;
  /** Tables the token's user may not read: answered 200 `{type:"error"}` like IXC's permission check. */
  deniedTables?: string[];
  /** The server's clock for ultima_atualizacao stamps. Default: the system clock. */
  now?: () => Date;
}

export interface FakeIxc {
  /** Base URL; the webservice lives under /webservice/v1. */
  url: string;
  tables: IxcTables;
  /** Every request: method, path, the `ixcsoft` header and the body as received. */
  requests: { method: string; path: string; ixcsoft: string | undefined; body: unknown }[];
  /** Milliseconds spent inside the request handlers (server time, for benchmarks). */
  serverMs(): number;
  close(): Promise<void>;
  /** The receivable is paid in full on `date`: status R, valor_aberto 0, stamp moves. */
  markPaid(id: number | string, date: string): IxcRow;
  /** The receivable is cancelled (status C): nothing is owed, and nothing was paid. */
  cancel(id: number | string, date: string): IxcRow;
  /** The customer's contract is blocked for non-payment ("bloqueio": status_internet CA) or unblocked. */
  setBlocked(idCliente: number | string, blocked: boolean): IxcRow;
  /** Moves a row's ultima_atualizacao to now, as an edit in IXC would. */
  touch(table: string, id: number | string): void;
  /** The next `times` requests get HTTP `status` (default 503). */
  failNext(times?: number, status?: number): void;
  /** The next grid request answers HTTP 200 `{type:"error", message}`. */
  errorNext(message: string): void;
}

const WRITABLE = new Set(["su_ticket"]);

const TicketBody = z.object({
  id_cliente: z.string().regex(/^\d+$/),
  id_assunto: z.string().regex(/^\d+$/),
  id_ticket_setor: z.string().regex(/^\d+$/),
  titulo: z.string().min(1).max(200),
  menssagem: z.string().min(1),
  tipo: z.string().default("C"),
  prioridade: z.enum(["B", "M", "A", "C"]).default("M"),
  su_status: z.string().default("N"),
  id_ticket_origem: z.string().default("I"),
});

const BoletoBody = z.object({
  boletos: z.coerce.string(),
  juro: z.string().optional(),
  multa: z.string().optional(),
  atualiza_boleto: z.string().optional(),
  tipo_boleto: z.string().default("arquivo"),
  base64: z.string().default("S"),
});

const ixcError = (message: string) => ({ type: "error", message });

function basicAuth(user: string, token: string): string {
  return `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
}

/**
 * A fake IXC Provedor webservice over real HTTP on 127.0.0.1, seeded from the generator:
 * `POST /webservice/v1/<table>` with `ixcsoft: listar` answers grid queries; without it on
 * su_ticket it inserts; get_boleto answers the PDF in base64, get_pix the PIX code.
 */
export async function startFakeIxc(options: FakeIxcOptions): Promise<FakeIxc> {
  const now = options.now ?? (() => new Date());
  const dataset = generateDataset({
    seed: options.seed,
    customers: options.customers,
    today: options.today,
    ...(options.invoicesPerCustomer ? { invoicesPerCustomer: options.invoicesPerCustomer } : {}),
  });
  const { tables, pix } = datasetToIxc(dataset);
  const requests: FakeIxc["requests"] = [];
  const faults: { status: number; remaining: number }[] = [];
  const gridErrors: string[] = [];
  const denied = new Set(options.deniedTables ?? []);
  const expected = basicAuth(options.user, options.token);
  let handlerMs = 0;

  const nextStamp = (): string => {
    let newest = "";
    for (const rows of Object.values(tables)) {
      for (const row of rows)
        if ((row.ultima_atualizacao ?? "") > newest) newest = row.ultima_atualizacao ?? "";
    }
    const newestMs = newest ? Date.parse(`${newest.replace(" ", "T")}-03:00`) : 0;
    return toIxcStamp(Math.max(now().getTime(), newestMs + 1000));
  };
  const find = (table: string, id: number | string): IxcRow => {
    const row = tables[table]?.find((r) => r.id === String(id));
    if (!row) throw new Error(`fake IXC: no ${table} ${id}`);
    return row;
  };

  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const fault = faults[0];
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) faults.shift();
      return reply.code(fault.status).type("text/html").send("<html><body>Service Unavailable</body></html>");
    }
    if (request.headers.authorization !== expected) {
      return reply.code(401).send(ixcError("Token de acesso inválido"));
    }
  });

  app.post<{ Params: { table: string } }>("/webservice/v1/:table", async (request, reply) => {
    const started = performance.now();
    try {
      const ixcsoft = request.headers.ixcsoft;
      const header = typeof ixcsoft === "string" ? ixcsoft : undefined;
      requests.push({ method: "POST", path: request.url, ixcsoft: header, body: request.body });
      const { table } = request.params;
      if (table === "get_boleto") return getBoleto(request.body, reply);
      if (table === "get_pix") return getPix(request.body);
      if (denied.has(table)) return ixcError(`Usuário sem permissão de acesso ao formulário ${table}`);
      if (header === "listar") return listar(table, request.body);
      if (WRITABLE.has(table)) return inserir(table, request.body);
      return ixcError(`Operação não permitida em ${table}`);
    } finally {
      handlerMs += performance.now() - started;
    }
  });

  function listar(table: string, body: unknown) {
    const rows = tables[table];
    if (!rows) return ixcError(`Tabela ${table} não encontrada`);
    const injected = gridErrors.shift();
    if (injected) return ixcError(injected);
    const query = GridQuery.safeParse(body ?? {});
    if (!query.success) return ixcError(`Parâmetros inválidos: ${query.error.issues[0]?.message ?? ""}`);
    try {
      return runGrid(table, rows, query.data);
    } catch (error) {
      if (error instanceof GridError) return ixcError(error.message);
      throw error;
    }
  }

  function inserir(table: string, body: unknown) {
    const ticket = TicketBody.safeParse(body);
    if (!ticket.success) {
      const issue = ticket.error.issues[0];
      return ixcError(`Campo ${issue?.path.join(".")} inválido: ${issue?.message ?? ""}`);
    }
    const { id_cliente, id_assunto, id_ticket_setor } = ticket.data;
    if (!tables.cliente.some((c) => c.id === id_cliente))
      return ixcError(`Cliente ${id_cliente} não encontrado`);
    if (!tables.su_oss_assunto.some((a) => a.id === id_assunto))
      return ixcError(`Assunto ${id_assunto} não existe`);
    if (!tables.empresa_setor.some((s) => s.id === id_ticket_setor)) {
      return ixcError(`Setor ${id_ticket_setor} não existe`);
    }
    const rows = tables[table] as IxcRow[];
    const id = String(rows.length + 1);
    const stamp = nextStamp();
    rows.push({
      ...ticket.data,
      id,
      protocolo: `${stamp.slice(0, 4)}${id.padStart(6, "0")}`,
      data_criacao: stamp,
      status: "T",
      ultima_atualizacao: stamp,
    });
    return { type: "success", message: "Registro inserido com sucesso!", id };
  }

  // get_boleto answers the PDF itself, base64-encoded, as the body (not JSON) when base64 = "S".
  function getBoleto(body: unknown, reply: FastifyReply) {
    const parsed = BoletoBody.safeParse(body);
    if (!parsed.success) return ixcError("Parâmetro boletos obrigatório");
    const row = tables.fn_areceber.find((r) => r.id === parsed.data.boletos);
    if (!row) return ixcError(`Boleto ${parsed.data.boletos} não encontrado`);
    if (row.status !== "A" && row.status !== "P") return ixcError(`O boleto ${row.id} não está em aberto`);
    // Printing registers the boleto: its nosso número and linha digitável appear on the title.
    // Printing is not an edit of the title, so ultima_atualizacao stays (not confirmed for IXC).
    if (row.linha_digitavel === "") {
      const invoice = dataset.invoices.find((i) => String(i.id) === row.id);
      Object.assign(row, {
        linha_digitavel: invoice?.boletoLine ?? "",
        nn_boleto: String(10_000_000 + Number(row.id)),
        impresso: "S",
      });
    }
    return reply.type("text/plain").send(boletoPdfBase64(row));
  }

  function getPix(body: unknown) {
    const id = z.object({ id_areceber: z.coerce.string() }).safeParse(body);
    if (!id.success) return ixcError("Parâmetro id_areceber obrigatório");
    const row = tables.fn_areceber.find((r) => r.id === id.data.id_areceber);
    if (!row) return ixcError(`Título ${id.data.id_areceber} não encontrado`);
    if (options.pix === false) return ixcError("Nenhuma conta com PIX configurada para este título");
    if (row.status !== "A" && row.status !== "P") return ixcError(`O título ${row.id} não está em aberto`);
    return { type: "success", pix: { qrCode: { qrcode: pix.get(row.id ?? "") ?? "" } } };
  }

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fake IXC: no TCP address");

  return {
    url: `http://127.0.0.1:${address.port}`,
    tables,
    requests,
    serverMs: () => handlerMs,
    close: () => app.close(),
    markPaid(id, date) {
      const row = find("fn_areceber", id);
      return Object.assign(row, {
        status: "R",
        valor_recebido: row.valor,
        valor_aberto: "0.00",
        pagamento_data: date,
        ultima_atualizacao: nextStamp(),
      });
    },
    cancel(id, date) {
      const row = find("fn_areceber", id);
      return Object.assign(row, {
        status: "C",
        valor_aberto: "0.00",
        valor_cancelado: row.valor,
        data_cancelamento: date,
        pagamento_data: EMPTY_DATE,
        ultima_atualizacao: nextStamp(),
      });
    },
    setBlocked(idCliente, blocked) {
      const contract = tables.cliente_contrato.find((c) => c.id_cliente === String(idCliente));
      if (!contract) throw new Error(`fake IXC: no contract for cliente ${idCliente}`);
      return Object.assign(contract, {
        status_internet: blocked ? "CA" : "A",
        ultima_atualizacao: nextStamp(),
      });
    },
    touch(table, id) {
      find(table, id).ultima_atualizacao = nextStamp();
    },
    failNext(times = 1, status = 503) {
      faults.push({ status, remaining: times });
    },
    errorNext(message) {
      gridErrors.push(message);
    },
  };
}
