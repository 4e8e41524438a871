import { isReguaError } from "@regua/core";
import type { FakeIxc } from "@regua/test-fixtures/ixc";
import { afterEach, describe, expect, it } from "vitest";
import { classifyIxc } from "../src/client.js";
import { AUTH, collect, connect, fakeIxc } from "./support.js";

let ixc: FakeIxc | undefined;
afterEach(async () => {
  await ixc?.close();
  ixc = undefined;
});

const response = (data: unknown, status = 200) => ({ status, headers: {}, setCookie: [], data });

describe("IXC's error answers (HTTP 200 with type error)", () => {
  // Shapes as IXC webservice clients test for them: `if (response.data.type === 'error')`.
  it("reads the class from IXC's message", () => {
    expect(classifyIxc(response({ type: "error", message: "Token de acesso inválido" }))?.kind).toBe("AUTH");
    expect(
      classifyIxc(response({ type: "error", message: "Usuário sem permissão de acesso ao formulário" }))
        ?.kind,
    ).toBe("AUTH");
    expect(classifyIxc(response({ type: "error", message: "Campo cliente.xyz não encontrado" }))?.kind).toBe(
      "VALIDATION",
    );
    expect(classifyIxc(response({ type: "error", message: "Boleto 9 não encontrado" }))?.kind).toBe(
      "NOT_FOUND",
    );
    expect(classifyIxc(response({ type: "error", message: "O boleto 3 não está em aberto" }))?.kind).toBe(
      "PERMANENT",
    );
    expect(classifyIxc(response('{"type":"error","message":"Token de acesso inválido"}'))?.kind).toBe("AUTH");
    expect(classifyIxc(response("<div>Ocorreu um erro ao processar</div>"))?.kind).toBe("PERMANENT");
  });

  it("leaves success and grid answers to the status table", () => {
    expect(classifyIxc(response({ page: "1", total: "0" }))).toBeUndefined();
    expect(
      classifyIxc(response({ type: "success", message: "Registro inserido com sucesso!", id: "4" })),
    ).toBe(undefined);
    expect(classifyIxc(response("JVBERi0xLjQK"))).toBeUndefined();
  });

  it("fails a listing with the vendor's words when IXC answers 200 {type: error}", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    ixc.errorNext("Campo fn_areceber.ultima_atualizacao não encontrado na tabela fn_areceber");
    const error = await collect(connector.listInvoices({})).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("VALIDATION");
    expect(isReguaError(error) && error.provider?.message).toContain("ultima_atualizacao não encontrado");
    expect(isReguaError(error) && error.provider?.status).toBe(200);
  });

  it("maps a table the user may not read to AUTH", async () => {
    ixc = await fakeIxc({ deniedTables: ["fn_areceber"] });
    const connector = await connect(ixc);
    const error = await collect(connector.listInvoices({})).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("AUTH");
  });
});

describe("grid requests", () => {
  it("POSTs to /webservice/v1/<table> with Basic <user>:<token>, ixcsoft: listar and string values", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    const pages = await collect(connector.listInvoices({}));
    const grid = ixc.requests.filter((r) => r.path === "/webservice/v1/fn_areceber");
    expect(grid.length).toBe(pages.length);
    for (const request of grid) {
      expect(request.ixcsoft).toBe("listar");
      const body = request.body as Record<string, unknown>;
      for (const value of Object.values(body)) expect(typeof value).toBe("string");
      expect(body).toMatchObject({ sortname: "fn_areceber.ultima_atualizacao", sortorder: "asc", rp: "5" });
      const params = JSON.parse(String(body.grid_param)) as { TB: string; OP: string; P: string }[];
      expect(params[0]).toEqual({ TB: "fn_areceber.liberado", OP: "=", P: "S" });
    }
    // After the first page the listing asks again from page 1, `ultima_atualizacao >= newest seen`.
    const secondBody = grid[1]?.body as Record<string, unknown> | undefined;
    const second = JSON.parse(String(secondBody?.grid_param));
    expect(second[1]).toMatchObject({ TB: "fn_areceber.ultima_atualizacao", OP: ">=" });
    const listed = pages.flatMap((p) => p.items.map((i) => i.externalId));
    expect(new Set(listed).size).toBe(ixc.tables.fn_areceber.length);
    expect(listed.length).toBe(ixc.tables.fn_areceber.length);
  });

  it("retries a 503 from the IXC server and fails wrong credentials with AUTH", async () => {
    ixc = await fakeIxc();
    const connector = await connect(ixc);
    ixc.failNext(1, 503);
    const pages = await collect(connector.listCustomers({}));
    expect(pages.flatMap((p) => p.items)).toHaveLength(8);
    const wrong = await connect(ixc, { token: `${AUTH.token}-wrong` });
    const error = await collect(wrong.listCustomers({})).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("AUTH");
    expect(isReguaError(error) && error.message).not.toContain(AUTH.token);
  });
});
