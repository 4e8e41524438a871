import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { OPERATOR_ROLES, type OperatorRole, ValidationError } from "@regua/core";
import { z } from "zod";
import { loadConfig } from "../config.js";
import { hashPassword, MIN_PASSWORD_LENGTH } from "../console/passwords.js";
import { createLogger } from "../logger.js";
import { openStore } from "../runtime.js";
import { type GlobalOptions, type Io, UsageError } from "./shared.js";

export interface OperatorAddOptions {
  id: string;
  name: string;
  email: string;
  role: OperatorRole;
  whatsapp: boolean;
}

const AddSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be lower-case letters, digits, ., - or _"),
  name: z.string().trim().min(1).max(200),
  email: z.email(),
  role: z.enum(OPERATOR_ROLES),
  whatsapp: z.boolean(),
});

/**
 * Reads the new password without it ever being an argument (argv is visible to every user in
 * `ps` and lands in shell history): typed twice with echo off on a terminal, else the first
 * line of standard input (`printf '%s\n' "$PW" | regua operator add …`).
 */
export async function readPassword(io: Io): Promise<string> {
  if (io.readSecret) return io.readSecret("Password: ");
  if (process.stdin.isTTY) {
    const first = await promptHidden("Password: ");
    const second = await promptHidden("Again: ");
    if (first !== second) throw new UsageError("the two passwords differ");
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) =>
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    }),
  );
}

/** `regua operator add`: an operator or supervisor who signs in to /console. */
export async function operatorAddCommand(
  global: GlobalOptions,
  options: OperatorAddOptions,
  io: Io,
): Promise<void> {
  const parsed = AddSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? "")}: ${issue?.message ?? "invalid"}`);
  }
  const password = await readPassword(io);
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const config = loadConfig(global.config);
  const log = createLogger({ level: global.logLevel ?? config.log.level });
  const store = await openStore(config, log);
  try {
    const at = new Date().toISOString();
    const operator = await store.operators
      .addOperator({ ...parsed.data, passwordHash: await hashPassword(password), at })
      .catch((error: unknown) => {
        if (error instanceof ValidationError) throw new UsageError(error.message);
        throw error;
      });
    await store.appendAudit({
      at,
      actor: "cli",
      action: "console.operator_added",
      subject: operator.id,
      detail: { email: operator.email, role: operator.role, whatsapp: operator.whatsapp },
    });
    io.out(
      `added ${operator.role} ${operator.id} <${operator.email}>${operator.whatsapp ? " with" : " without"} the WhatsApp permission; sign in at /console`,
    );
  } finally {
    await store.close();
  }
}
