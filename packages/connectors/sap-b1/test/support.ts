import type { Clock, Connector, Logger } from "@regua/core";
import {
  type FakeServiceLayer,
  type FakeServiceLayerOptions,
  startFakeServiceLayer,
} from "@regua/test-fixtures/sap-b1";
import { createTestContext } from "@regua/testkit";
import connector from "../src/index.js";
import type { SapB1OptionsInput } from "../src/options.js";

export const LOGIN = { user: "manager", password: "s3cr3t-B1", companyDb: "SBODEMOBR" } as const;
export const TODAY = "2026-03-15";

export type Version = "v1" | "v2";

export function startFake(
  version: Version,
  extra: Partial<FakeServiceLayerOptions> = {},
): Promise<FakeServiceLayer> {
  return startFakeServiceLayer({ seed: 11, customers: 10, today: TODAY, version, ...LOGIN, ...extra });
}

/** Log lines kept for assertions (and for checking that no secret is ever logged). */
export interface RecordedLog {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

export function recordingLogger(lines: RecordedLog[]): Logger {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return logger;
}

export async function connect(
  fake: FakeServiceLayer,
  version: Version,
  options: Partial<SapB1OptionsInput> = {},
  log: RecordedLog[] = [],
  clock?: Clock,
): Promise<Connector> {
  const parsed = connector.optionsSchema.parse({
    baseUrl: fake.url,
    version,
    pageSize: 5,
    ...LOGIN,
    ...options,
  });
  return connector.create(
    parsed,
    createTestContext({ instanceId: "matriz", log: recordingLogger(log), ...(clock ? { clock } : {}) }),
  );
}

export { collectPages as collect, failureOf as captureError } from "@regua/testkit";

export function events(log: RecordedLog[], event: string): RecordedLog[] {
  return log.filter((line) => (line.obj as { event?: string } | null)?.event === event);
}
