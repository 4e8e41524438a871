import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { verify } from "@node-rs/argon2";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { createSqliteStore } from "@regua/store";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

function configDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "regua-operator-"));
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  writeFileSync(
    path.join(dir, "regua.yaml"),
    `store: { sqlite: ./regua.db }
secretKey: operator-cli-secret-key
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels: [{ id: wa, channel: "@acme/channel-memory" }]
policy: ./policy.yaml
`,
  );
  return dir;
}

async function run(dir: string, password: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["--config", path.join(dir, "regua.yaml"), ...argv], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY: false,
    readSecret: async () => password,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("regua operator add", () => {
  it("adds an operator with an argon2id hash of the password it read (never an argument)", async () => {
    const dir = configDir();
    const added = await run(
      dir,
      "a long enough password",
      "operator",
      "add",
      "--id",
      "ana",
      "--name",
      "Ana Paula",
      "--email",
      "ana@example.com",
    );
    expect(added).toMatchObject({ code: 0 });
    expect(added.out).toContain("added operator ana <ana@example.com> with the WhatsApp permission");
    const sup = await run(
      dir,
      "another long password",
      "operator",
      "add",
      "--id",
      "sup",
      "--name",
      "Sup",
      "--email",
      "sup@example.com",
      "--role",
      "supervisor",
      "--no-whatsapp",
    );
    expect(sup.code).toBe(0);

    const store = createSqliteStore({ file: path.join(dir, "regua.db") });
    try {
      const ana = await store.operators.findOperatorForLogin("ana@example.com");
      expect(ana?.operator).toMatchObject({ name: "Ana Paula", role: "operator", whatsapp: true });
      expect(ana?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verify(ana?.passwordHash ?? "", "a long enough password")).toBe(true);
      expect(await store.operators.getOperator("sup")).toMatchObject({ role: "supervisor", whatsapp: false });
      const audit = await store.listAudit({ limit: 10 });
      expect(
        audit
          .filter((a) => a.action === "console.operator_added")
          .map((a) => a.subject)
          .sort(),
      ).toEqual(["ana", "sup"]);
      expect(JSON.stringify(audit)).not.toContain("long enough password");
    } finally {
      await store.close();
    }
  });

  it("refuses a short password, a taken e-mail and a bad id, and has no --password option", async () => {
    const dir = configDir();
    expect(
      (
        await run(
          dir,
          "short",
          "operator",
          "add",
          "--id",
          "ana",
          "--name",
          "Ana",
          "--email",
          "ana@example.com",
        )
      ).err,
    ).toContain("at least 12 characters");
    expect(
      (
        await run(
          dir,
          "a long enough password",
          "operator",
          "add",
          "--id",
          "ana",
          "--name",
          "Ana",
          "--email",
          "ana@example.com",
        )
      ).code,
    ).toBe(0);
    const taken = await run(
      dir,
      "a long enough password",
      "operator",
      "add",
      "--id",
      "bia",
      "--name",
      "Bia",
      "--email",
      "ANA@example.com",
    );
    expect(taken).toMatchObject({ code: 2 });
    expect(taken.err).toContain("already exists");
    expect(
      (
        await run(
          dir,
          "a long enough password",
          "operator",
          "add",
          "--id",
          "Bad Id",
          "--name",
          "X",
          "--email",
          "x@example.com",
        )
      ).code,
    ).toBe(2);
    expect(
      (
        await run(
          dir,
          "a long enough password",
          "operator",
          "add",
          "--id",
          "x",
          "--name",
          "X",
          "--email",
          "x@example.com",
          "--password",
          "p",
        )
      ).code,
    ).toBe(2);
  });
});
