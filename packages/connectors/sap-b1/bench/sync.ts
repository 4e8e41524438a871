/**
 * Benchmark: a full invoice sync of ~100,000 invoices from the fake Service Layer (CAP behind
 * the Service Layer front) running in a child process. Prints records/s, the connector's CPU
 * time against the fake's, and peak RSS of both. Run after `pnpm build`: `pnpm bench`.
 * Env: BENCH_CUSTOMERS (default 33,400 ≈ 100k invoices), BENCH_PAGE (default 1000), BENCH_VERSION.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@regua/testkit";
import axios from "axios";
import { Bench } from "tinybench";
import connector from "../dist/index.js";
import { mapInvoice } from "../dist/map.js";
import { Document } from "../dist/schemas.js";

interface Usage {
  cpu: { user: number; system: number };
  maxRssKb: number;
}

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const version = process.env.BENCH_VERSION === "v1" ? "v1" : "v2";
const child = fork(fileURLToPath(new URL("./fake-server.ts", import.meta.url)), { stdio: "inherit" });
const replies: ((value: unknown) => void)[] = [];
child.on("message", (m) => replies.shift()?.(m));
const next = <T>() => new Promise<T>((resolve) => replies.push(resolve as (value: unknown) => void));
const usage = () => {
  const reply = next<Usage>();
  child.send({ type: "usage" });
  return reply;
};

const ready = await next<{ url: string; invoices: number; startMs: number }>();
console.log(
  `fake Service Layer ${version}: ${ready.invoices} invoices, ready in ${(ready.startMs / 1000).toFixed(1)} s`,
);

const options = connector.optionsSchema.parse({
  baseUrl: ready.url,
  version,
  companyDb: "SBOBENCH",
  user: "manager",
  password: "bench",
  pageSize,
  udf: { boletoLine: "U_BoletoLinha", pixCode: "U_PixCopiaCola" },
});
const sap = await connector.create(options, createTestContext({ instanceId: "bench" }));
await sap.healthCheck(); // login outside the measurement

const serverBefore = await usage();
const cpuBefore = process.cpuUsage();
const t0 = performance.now();
let records = 0;
let rejects = 0;
let pages = 0;
for await (const page of sap.listInvoices({})) {
  records += page.items.length;
  rejects += page.rejects?.length ?? 0;
  pages++;
}
const wallMs = performance.now() - t0;
const ms = (c: { user: number; system: number }) => (c.user + c.system) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const serverAfter = await usage();
await sap.close();

// Transport floor: the same listing fetched and JSON-parsed by a bare axios loop, nothing
// validated or mapped. What the connector adds on top of it is its own overhead.
const select =
  "DocEntry,DocNum,CardCode,DocDate,DocDueDate,DocTotal,PaidToDate,DocCurrency,DocumentStatus,Cancelled," +
  "UpdateDate,UpdateTime,U_BoletoLinha,U_PixCopiaCola";
const bare = axios.create({ baseURL: `${ready.url}/b1s/${version}/` });
const bareLogin = await bare.post("Login", { CompanyDB: "SBOBENCH", UserName: "manager", Password: "bench" });
const bareCookie = (bareLogin.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
const floorServerBefore = await usage();
const floorCpuBefore = process.cpuUsage();
let link: string | null = `Invoices?$select=${select}&$orderby=UpdateDate,UpdateTime,DocEntry`;
let floorRecords = 0;
while (link) {
  const answer: { data: Record<string, unknown> & { value: unknown[] } } = await bare.get<
    Record<string, unknown> & { value: unknown[] }
  >(link, {
    headers: { Cookie: bareCookie, Prefer: `odata.maxpagesize=${pageSize}` },
  });
  floorRecords += answer.data.value.length;
  const next: unknown = answer.data["@odata.nextLink"] ?? answer.data["odata.nextLink"];
  link = typeof next === "string" ? next : null;
}
const floorCpuMs = ms(process.cpuUsage(floorCpuBefore));
const floorServerAfter = await usage();

const connectorCpuMs = ms(cpu);
const serverCpuMs = ms(serverAfter.cpu) - ms(serverBefore.cpu);

// Connector-only cost of parsing and mapping, without HTTP: one page of rows, many times; and
// JSON.parse of the same page, the floor any JSON client pays.
const sampleText = await (async () => {
  const response = await fetch(`${ready.url}/b1s/${version}/Login`, {
    method: "POST",
    body: JSON.stringify({ CompanyDB: "SBOBENCH", UserName: "manager", Password: "bench" }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const select =
    "DocEntry,DocNum,CardCode,DocDate,DocDueDate,DocTotal,PaidToDate,DocCurrency,DocumentStatus,Cancelled,UpdateDate,UpdateTime,U_BoletoLinha,U_PixCopiaCola";
  const page = await fetch(`${ready.url}/b1s/${version}/Invoices?$select=${select}&$top=1000`, {
    headers: { cookie, prefer: "odata.maxpagesize=1000" },
  });
  return page.text();
})();
const sample = (JSON.parse(sampleText) as { value: unknown[] }).value;
const micro = process.env.BENCH_MICRO === "0" ? 0 : 1000;
const bench = new Bench({ time: micro, iterations: 1 });
bench.add("JSON.parse", () => JSON.parse(sampleText));
bench.add("parse + map", () => {
  for (const row of sample) mapInvoice(Document.parse(row), "bench", options);
});
await bench.run();
const perRecordMicros = (index: number) => {
  const result = bench.tasks[index]?.result;
  const mean = result && "latency" in result ? result.latency.mean : Number.NaN;
  return (mean * 1000) / Math.max(1, sample.length);
};

child.send({ type: "close" });

const round = (n: number, d = 1) => Number(n.toFixed(d));
const figures = {
  version,
  pageSize,
  pages,
  records,
  rejects,
  wallSeconds: round(wallMs / 1000, 2),
  recordsPerSecond: Math.round(records / (wallMs / 1000)),
  connectorCpuMs: round(connectorCpuMs),
  serverCpuMs: round(serverCpuMs),
  connectorOverheadPctOfServer: round((connectorCpuMs / serverCpuMs) * 100),
  bareAxiosFloorCpuMs: round(floorCpuMs),
  bareAxiosFloorServerCpuMs: round(ms(floorServerAfter.cpu) - ms(floorServerBefore.cpu)),
  bareAxiosFloorRecords: floorRecords,
  connectorOwnCpuPctOfServer: round(((connectorCpuMs - floorCpuMs) / serverCpuMs) * 100),
  connectorPeakRssMb: round(process.resourceUsage().maxRSS / 1024),
  serverPeakRssMb: round(serverAfter.maxRssKb / 1024),
  jsonParseMicrosPerRecord: round(perRecordMicros(0), 2),
  parseAndMapMicrosPerRecord: round(perRecordMicros(1), 2),
  serverCpuMicrosPerRecord: round((serverCpuMs * 1000) / Math.max(1, records), 1),
  connectorCpuMicrosPerRecord: round((connectorCpuMs * 1000) / Math.max(1, records), 1),
};
console.table(figures);
console.log(JSON.stringify(figures));
if (records !== ready.invoices) {
  console.error(`expected ${ready.invoices} invoices, synced ${records}`);
  process.exitCode = 1;
}
