import { type Clock, fromZodError, isReguaError, type PluginContext } from "@regua/core";
import type { z } from "zod";
import { createTestContext, type TestContextOptions } from "../context.js";

/** Options for create(): a value, or a function of the fixture when they depend on it (a URL). */
export type OptionsOrFactory<TOptions, TFixture> = TOptions | ((fixture: TFixture) => TOptions);

export function resolveOptions<TOptions, TFixture>(
  options: OptionsOrFactory<TOptions, TFixture>,
  fixture: TFixture,
): TOptions {
  return typeof options === "function" ? (options as (fixture: TFixture) => TOptions)(fixture) : options;
}

/** Parses options the way the runner does, so the suite also checks the options schema accepts them. */
export function parseOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  where: string,
): z.output<TSchema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error, `${where}: options rejected by optionsSchema`);
  return parsed.data;
}

export function makeContext(
  instanceId: string,
  overrides: Omit<TestContextOptions, "instanceId"> = {},
): PluginContext {
  return createTestContext({ ...overrides, instanceId });
}

/** A one-line account of an error for assertion messages: code, retryable, provider's words. */
export function explain(error: unknown): string {
  if (isReguaError(error)) return error.describe();
  if (error instanceof Error) return `${error.name}: ${error.message} (not a régua core error)`;
  return `non-error thrown: ${String(error)}`;
}

export async function captureError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

export type { Clock };
