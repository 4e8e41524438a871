// A separate runner process refreshing one OAuth token in a shared PostgreSQL store (run by
// refresh-lease.test.ts with plain `node`, which strips these erasable types). Built packages,
// as a real runner replica would use them.
// argv: <connectionString> <fake Intuit base URL> <runner name>; waits for a line on stdin, then
// refreshes, calls the API with the token it got, and prints {"access", "status"}.
import { once } from "node:events";
import { createInterface } from "node:readline";
import { axiosTransport, createHttpClient, refreshUnderLease } from "@regua/connector-kit";
import { silentLogger, systemClock } from "@regua/core";
import { createPostgresStore } from "@regua/store";

interface Token {
  access: string;
  refresh: string;
  expiresAt: number;
}

const [connectionString, baseURL, name] = process.argv.slice(2);
if (!connectionString || !baseURL || !name)
  throw new Error("usage: refresh-worker.ts <pg url> <base url> <name>");
const store = createPostgresStore({
  connectionString,
  poolSize: 2,
  secretKey: "test-secret-key-not-for-production",
});
const state = store.state("qbo");
const ctx = {
  instanceId: name,
  http: axiosTransport,
  clock: systemClock,
  log: silentLogger,
  state,
  signal: new AbortController().signal,
};
const http = createHttpClient({ system: "intuit", baseURL }, ctx);

process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
await once(lines, "line");
lines.close(); // an open stdin would keep the process alive

const value = await refreshUnderLease(state, "token", {
  ttlMs: 10_000,
  pollMs: 50,
  clock: systemClock,
  isFresh: (stored) => (JSON.parse(stored) as Token).expiresAt > systemClock.now().getTime() + 60_000,
  refresh: async (current) => {
    const previous = current ? (JSON.parse(current) as Token).refresh : "";
    const answer = await http.request<{ access_token: string; refresh_token: string; expires_in: number }>({
      method: "POST",
      url: "/oauth2/v1/tokens/bearer",
      data: new URLSearchParams({ grant_type: "refresh_token", refresh_token: previous }).toString(),
    });
    const token: Token = {
      access: answer.data.access_token,
      refresh: answer.data.refresh_token,
      expiresAt: systemClock.now().getTime() + answer.data.expires_in * 1000,
    };
    return JSON.stringify(token);
  },
});
const token = JSON.parse(value) as Token;
const me = await http.request({
  method: "GET",
  url: "/v3/company/1/companyinfo/1",
  headers: { Authorization: `Bearer ${token.access}` },
  allow: [401],
});
await store.close();
process.stdout.write(`${JSON.stringify({ access: token.access, status: me.status })}\n`);
