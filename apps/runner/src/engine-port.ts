import type { Engine, EngineOptions, EntityName } from "@regua/core";
import { createEngine } from "@regua/core";

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
