import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/index.js";
import { startTestPostgres, type TestPostgres } from "./support/postgres-server.js";

const SECRET = "test-secret-key-not-for-production";
let pgServer: TestPostgres;

beforeAll(async () => {
  pgServer = await startTestPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
});

/**
 * A fake Intuit: the token endpoint rotates the refresh token (the old one stops working, as
 * QuickBooks does) and answers slowly, so both runners are waiting at once; the API accepts only
 * the newest access token.
 */
async function fakeIntuit() {
  const refreshes: string[] = [];
  let current = { access: "A0", refresh: "R0" };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/oauth2/v1/tokens/bearer") {
        const sent = new URLSearchParams(Buffer.concat(chunks).toString()).get("refresh_token") ?? "";
        refreshes.push(sent);
        if (sent !== current.refresh) {
          res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}');
          return;
        }
        const n = refreshes.length;
        current = { access: `A${n}`, refresh: `R${n}` };
        const body = { access_token: current.access, refresh_token: current.refresh, expires_in: 3600 };
        setTimeout(
          () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
          300,
        );
        return;
      }
      const ok = req.headers.authorization === `Bearer ${current.access}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, refreshes, close: () => new Promise((r) => server.close(r)) };
}

function startRunner(connectionString: string, baseURL: string, name: string) {
  const script = fileURLToPath(new URL("./support/refresh-worker.ts", import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    script,
    connectionString,
    baseURL,
    name,
  ]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const ready = (async () => {
    while (!stdout.startsWith("ready\n")) await once(child.stdout, "data");
  })();
  const done = once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`${name} exited ${code}: ${stderr}`);
    return JSON.parse(stdout.slice("ready\n".length)) as { access: string; status: number };
  });
  return { ready, go: () => child.stdin.end("go\n"), done };
}

describe("token refresh across runner processes on PostgreSQL", () => {
  it("two runners refresh one expired token: one call to the token endpoint, both proceed", async () => {
    const url = await pgServer.createDatabase();
    const setup = createPostgresStore({ connectionString: url, secretKey: SECRET });
    await setup.migrate();
    await setup.state("qbo").set("token", JSON.stringify({ access: "A0", refresh: "R0", expiresAt: 0 }));
    const intuit = await fakeIntuit();
    try {
      const runners = [startRunner(url, intuit.url, "runner-a"), startRunner(url, intuit.url, "runner-b")];
      await Promise.all(runners.map((r) => r.ready));
      for (const r of runners) r.go();
      const results = await Promise.all(runners.map((r) => r.done));
      expect(intuit.refreshes).toEqual(["R0"]);
      expect(results).toEqual([
        { access: "A1", status: 200 },
        { access: "A1", status: 200 },
      ]);
      const stored = await setup.state("qbo").read("token");
      expect(stored.version).toBe(2);
      expect(JSON.parse(stored.value ?? "{}")).toMatchObject({ access: "A1", refresh: "R1" });
    } finally {
      await intuit.close();
      await setup.close();
    }
  }, 180_000); // two node processes start on a loaded machine
});
