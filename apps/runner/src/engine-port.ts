import type { DunningStore, Engine, EngineOptions, EntityName } from "@regua/core";
import { ConfigError, createEngine } from "@regua/core";

/** The engine the runner drives: @regua/core's `createEngine`. */
export type RunnerEngine = Engine;

export interface SyncProgress {
  source: string;
  entity: EntityName;
  /** Records committed so far for this source + entity. */
  records: number;
  /** Total when known; the engine does not count up front, so usually undefined. */
  total?: number;
}

export function createRunnerEngine(options: EngineOptions): RunnerEngine {
  return createEngine(options);
}

export interface StoreFactories {
  createSqliteStore(options: { file: string; secretKey: string }): DunningStore | Promise<DunningStore>;
  createPostgresStore(options: {
    connectionString: string;
    secretKey: string;
  }): DunningStore | Promise<DunningStore>;
}

/** @regua/store, checked at run time so the runner builds while the store is being written. */
export async function loadStoreFactories(): Promise<StoreFactories> {
  const specifier = "@regua/store";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`@regua/store failed to load: ${(error as Error).message}`, { cause: error });
  }
  if (typeof mod.createSqliteStore !== "function" || typeof mod.createPostgresStore !== "function") {
    throw new ConfigError("@regua/store does not export createSqliteStore/createPostgresStore yet");
  }
  return mod as unknown as StoreFactories;
}
