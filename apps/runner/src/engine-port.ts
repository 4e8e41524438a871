import type {
  Channel,
  ChannelEvent,
  Clock,
  Connector,
  DunningStore,
  EntityName,
  ErpEvent,
  Logger,
  PlanResult,
  Policy,
} from "@regua/core";
import * as core from "@regua/core";
import { ConfigError } from "@regua/core";

/**
 * The slice of the engine (@regua/core `createEngine`) the runner drives. Results are read
 * defensively: the runner prints what it finds and never depends on more than these names.
 */
export interface SyncProgress {
  source: string;
  entity: EntityName;
  /** Records committed so far for this source + entity. */
  records: number;
  /** Total when the ERP says (a count query); otherwise undefined. */
  total?: number;
}

export interface RunnerEngine {
  sync(options?: {
    source?: string;
    full?: boolean;
    onProgress?: (progress: SyncProgress) => void;
  }): Promise<unknown>;
  plan(options: { dryRun: boolean }): Promise<PlanResult & Record<string, unknown>>;
  dispatch(options?: { limit?: number }): Promise<unknown>;
  writeBack(): Promise<unknown>;
  handleChannelEvents(channelId: string, events: ChannelEvent[]): Promise<unknown>;
  handleErpEvents(sourceId: string, events: ErpEvent[]): Promise<unknown>;
  recover(): Promise<unknown>;
}

export interface EngineDeps {
  store: DunningStore;
  connectors: Map<string, Connector>;
  channels: Map<string, Channel>;
  policy: Policy;
  clock: Clock;
  log: Logger;
  workerId: string;
  defaultRegion: string;
}

export function createRunnerEngine(deps: EngineDeps): RunnerEngine {
  const factory = (core as Record<string, unknown>).createEngine;
  if (typeof factory !== "function") {
    throw new ConfigError("this build of @regua/core has no createEngine yet: the engine is not available");
  }
  return (factory as (d: EngineDeps) => RunnerEngine)(deps);
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
