// A separate OS process on a shared SQLite file (run by sqlite.test.ts with plain `node`, which
// strips these erasable types). Uses the built package, as another runner process would.
// argv: <file> <mode: migrate | claim> <workerId>
import { createSqliteStore } from "@regua/store";

const [file, mode, workerId] = process.argv.slice(2);
if (!file || !workerId) throw new Error("usage: sqlite-worker.ts <file> <migrate|claim> <workerId>");
const store = createSqliteStore({ file, busyTimeoutMs: 30_000 });
await store.migrate();
const claimed: string[] = [];
if (mode === "claim") {
  for (;;) {
    const rows = await store.claimDueActions({
      now: "2026-03-10T01:00:00Z",
      limit: 5,
      workerId,
      leaseMs: 60_000,
    });
    if (rows.length === 0) break;
    claimed.push(...rows.map((row) => row.key));
  }
}
await store.close();
process.stdout.write(JSON.stringify(claimed));
