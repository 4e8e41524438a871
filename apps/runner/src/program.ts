import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { type AuthOptions, authCommand, QUICKBOOKS_REDIRECT } from "./commands/auth.js";
import { checkCommand } from "./commands/check.js";
import { CHANNEL_KINDS, ERP_KINDS, type InitOptions, initCommand } from "./commands/init.js";
import { runCommand, serveCommand } from "./commands/loop.js";
import { type NewConnectorOptions, newConnectorCommand } from "./commands/new-connector.js";
import { type OperatorAddOptions, operatorAddCommand } from "./commands/operator.js";
import {
  dispatchCommand,
  planCommand,
  reportCommand,
  syncCommand,
  writeBackCommand,
} from "./commands/ops.js";
import { type ScoreOptions, scoreCommand } from "./commands/score.js";
import {
  CommandFailed,
  describeError,
  type GlobalOptions,
  type Io,
  processIo,
  type RuntimeOverrides,
  UsageError,
} from "./commands/shared.js";
import { backtestCommand, type SimulateOptions, simulateCommand } from "./commands/simulate.js";

/** Every argument goes through zod once; a bad one is a usage error (exit 2). */
function parseWith<T>(schema: z.ZodType<T>, what: string) {
  return (value: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new InvalidArgumentError(`${what}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return parsed.data;
  };
}
const positiveInt = parseWith(z.coerce.number().int().positive(), "must be a positive integer");
const isoDate = parseWith(z.iso.date(), "must be a date as YYYY-MM-DD");
const decimal = parseWith(z.string().regex(/^\d+(\.\d+)?$/), "must be a decimal amount such as 0.05");
const instanceId = parseWith(
  z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  "must be an instance id from the config",
);

const GlobalSchema = z.object({
  config: z.string().min(1),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).optional(),
});

export function createProgram(io: Io = processIo, deps: RuntimeOverrides = {}): Command {
  const program = new Command("regua")
    .description(
      "régua: dunning engine — sync from the ERP, plan by policy, send, stop on payment, write back",
    )
    .addOption(new Option("-c, --config <file>", "config file").default("./regua.yaml"))
    .addOption(
      // No default here: without the flag, the config's log.level applies (then "info").
      new Option("--log-level <level>", "log level (default: log.level from the config, else info)").choices([
        "debug",
        "info",
        "warn",
        "error",
        "silent",
      ]),
    )
    .exitOverride()
    .showHelpAfterError("(run regua --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const global = (): GlobalOptions => GlobalSchema.parse(program.opts());

  program
    .command("init")
    .description("write a commented regua.yaml for your ERP and channel, and policy.yaml (never overwrites)")
    .option("--dir <dir>", "where to write", ".")
    .addOption(new Option("--erp <kind>", "the ERP to read invoices from").choices(ERP_KINDS).default("rest"))
    .addOption(
      new Option("--channel <kind>", "the channel to send through")
        .choices(CHANNEL_KINDS)
        .default("whatsapp"),
    )
    .action((o: InitOptions) => initCommand(o, io));
  program
    .command("new")
    .description("scaffold a package: regua new connector <name>")
    .command("connector")
    .description("a connector package for your own system, with a fake server and conformance tests")
    .argument("<name>", "short name of the system, e.g. acme or my-erp")
    .option("--dir <dir>", "where to write (default ./regua-connector-<name>)")
    .option("--package <name>", "npm package name (default regua-connector-<name>)")
    .option("--display-name <text>", 'name shown in logs and regua check (default "<Name> ERP")')
    .action((name: string, o: NewConnectorOptions) => newConnectorCommand(name, o, io));
  program
    .command("auth")
    .description("connect an ERP that needs a one-time authorisation: regua auth quickbooks")
    .argument("<erp>", "quickbooks")
    .option("--source <id>", "the source to connect, when there are several", instanceId)
    .option("--redirect-uri <uri>", "a redirect URI registered on your Intuit app", QUICKBOOKS_REDIRECT)
    .option("--redirected-to <url>", "the address the browser was sent back to (skips the prompt)")
    .option("--state <state>", "the state the authorize URL carries (with --redirected-to)")
    .action((erp: string, o: AuthOptions) => authCommand(global(), erp, o, io, deps));
  program
    .command("check")
    .description("validate config + policy and ping every source and channel")
    .action(() => checkCommand(global(), io, deps));
  program
    .command("sync")
    .description("pull changes from the ERP sources")
    .option("--source <id>", "only this source", instanceId)
    .option("--full", "full reconcile instead of incremental", false)
    .action((o: { source?: string; full: boolean }) => syncCommand(global(), o, io, deps));
  program
    .command("plan")
    .description("plan actions by the policy; --dry-run shows them with their traces without writing")
    .option("--dry-run", "print only, write nothing", false)
    .option("--full", "plan every customer, not only those changed since the last plan", false)
    .option("--limit <n>", "rows per table", positiveInt, 50)
    .action((o: { dryRun: boolean; full: boolean; limit: number }) => planCommand(global(), o, io, deps));
  program
    .command("dispatch")
    .description("send due actions")
    .option("--limit <n>", "send at most n", positiveInt)
    .action((o: { limit?: number }) => dispatchCommand(global(), o, io, deps));
  program
    .command("write-back")
    .description("write pending activities to the ERP")
    .action(() => writeBackCommand(global(), io, deps));
  program
    .command("run")
    .description("run sync/plan/dispatch/write-back on the config's schedule")
    .option("--serve", "also serve webhooks, metrics and the dashboard", false)
    .action((o: { serve: boolean }) => runCommand(global(), o, io, deps));
  program
    .command("serve")
    .description("serve webhooks, /healthz, /metrics, admin API and dashboard")
    .action(() => serveCommand(global(), io, deps));
  const operator = program.command("operator").description("people who sign in to the operator console");
  operator
    .command("add")
    .description("add an operator or supervisor; the password is read from the terminal or stdin, never argv")
    .requiredOption("--id <id>", "a short stable id (ana)")
    .requiredOption("--name <name>", "the name shown in the console")
    .requiredOption("--email <email>", "the sign-in e-mail")
    .addOption(
      new Option("--role <role>", "what they may do").choices(["operator", "supervisor"]).default("operator"),
    )
    .option("--no-whatsapp", "without the WhatsApp permission (no conversation screens)")
    .action((o: OperatorAddOptions) => operatorAddCommand(global(), o, io));
  program
    .command("report")
    .description("aging, messages by status, recovered after contact, sync health")
    .option("--json", "JSON instead of tables", false)
    .action((o: { json: boolean }) => reportCommand(global(), o, io, deps));
  program
    .command("simulate")
    .description("replay the policy over stored data, day by day, sending nothing")
    .requiredOption("--from <date>", "first day (YYYY-MM-DD)", isoDate)
    .requiredOption("--to <date>", "last day (YYYY-MM-DD)", isoDate)
    .option("--json", "JSON output", false)
    .option("--details", "list each day's actions", false)
    .option("--backtest", "replay over history with and without the payment-risk score; compare", false)
    .option(
      "--baseline <file>",
      "with --backtest: the policy to compare with (default: this one without riskScore)",
    )
    .option(
      "--message-cost <decimal>",
      "with --backtest: price of one message in the policy currency",
      decimal,
      "0.05",
    )
    .option(
      "--attribution-days <n>",
      "with --backtest: a payment this soon after a message counts as recovered",
      positiveInt,
      15,
    )
    .option("--demo", "with --backtest: on the generated demo history and policy (no config needed)", false)
    .option("--customers <n>", "with --demo: customers to generate", positiveInt, 1000)
    .option("--seed <n>", "with --demo: generator seed", positiveInt, 7)
    .action((o: SimulateOptions) => {
      if (o.from > o.to) throw new UsageError(`--from ${o.from} is after --to ${o.to}`);
      if (!o.backtest && (o.demo || o.baseline))
        throw new UsageError("--demo and --baseline need --backtest");
      return o.backtest ? backtestCommand(global(), o, io, deps) : simulateCommand(global(), o, io, deps);
    });
  program
    .command("score")
    .description("train the payment-risk model on the store's history and store it")
    .option(
      "--evaluate",
      "train on an earlier period, report AUC and calibration on the later one; stores nothing",
      false,
    )
    .option("--holdout-days <n>", "with --evaluate: the held-out later period, in days", positiveInt, 180)
    .option("--json", "JSON output", false)
    .option("--demo", "on the generated demo history in a temporary store (no config needed)", false)
    .option("--customers <n>", "with --demo: customers to generate", positiveInt, 1000)
    .option("--seed <n>", "with --demo: generator seed", positiveInt, 7)
    .option("--today <date>", "with --demo: the day the generated history ends (default: today)", isoDate)
    .action((o: ScoreOptions) => scoreCommand(global(), o, io, deps));
  program
    .command("demo")
    .description("a full cycle against bundled fakes on a temporary SQLite store; no account needed")
    .addOption(new Option("--erp <kind>", "which fake ERP").choices(["rest", "sap-b1"]).default("rest"))
    .option("--customers <n>", "customers in the fake ERP", positiveInt, 200)
    .option("--keep", "keep the temporary directory", false)
    // Loaded on demand: the demo brings the bundled fakes, which no other command needs (every
    // `regua dispatch` from cron would pay for them at start).
    .action(async (o: { erp: "rest" | "sap-b1"; customers: number; keep: boolean }) =>
      (await import("./demo/command.js")).demoCommand(o, io),
    );
  const quiet = (commands: readonly Command[]): void => {
    for (const cmd of commands) {
      cmd
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
      quiet(cmd.commands);
    }
  };
  quiet(program.commands);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function main(
  argv: readonly string[],
  io: Io = processIo,
  deps: RuntimeOverrides = {},
): Promise<number> {
  const program = createProgram(io, deps);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version end here too, with exit code 0
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    io.err(`error: ${describeError(error)}`);
    if (!(error instanceof CommandFailed) && process.env.REGUA_DEBUG) io.err(String((error as Error).stack));
    return 1;
  }
}
