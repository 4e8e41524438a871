import { describe, it, type TestContext } from "vitest";

/**
 * Named, composable conformance suites in better-auth's style (`createTestSuite` +
 * `disableTests`), with one difference: every opt-out carries a written reason, and the reason
 * is in the skipped test's title, so a report shows what a plugin does not prove and why.
 */

/** One check of a suite. `H` is the harness the suite runs against (a connector or a channel). */
export interface SuiteTest<H> {
  title: string;
  /**
   * A reason not to run, known before the run: read from the harness's declared capabilities or
   * from the hooks the plugin's test supplied (never from the live instance, which does not
   * exist yet when tests are collected). `undefined` means run.
   */
  skipUnless?: (harness: H) => string | undefined;
  run: (harness: H, ctx: TestContext) => unknown;
}

/** `{ testKey: "why this plugin cannot pass it" }`; `ALL` disables the whole suite. */
export type DisableTests<K extends string> = Partial<Record<K | "ALL", string>>;

export interface SuiteConfig<K extends string> {
  disable?: DisableTests<K>;
}

/** A suite ready to run: its tests and the opt-outs the plugin chose, with their reasons. */
export interface ConformanceSuite<H> {
  readonly name: string;
  readonly tests: Readonly<Record<string, SuiteTest<H>>>;
  readonly disabled: Readonly<Record<string, string | undefined>>;
}

/** The function a suite file exports: call it (optionally with opt-outs) in `suites: [...]`. */
export type SuiteFactory<H, K extends string> = ((config?: SuiteConfig<K>) => ConformanceSuite<H>) & {
  readonly suiteName: string;
};

export function defineSuite<H, K extends string>(
  name: string,
  tests: Record<K, SuiteTest<H>>,
): SuiteFactory<H, K> {
  const factory = (config: SuiteConfig<K> = {}): ConformanceSuite<H> => {
    const disabled: Record<string, string | undefined> = { ...config.disable };
    for (const [key, reason] of Object.entries(disabled)) {
      if (key !== "ALL" && !(key in tests)) {
        throw new Error(
          `${name} suite: cannot disable "${key}", the suite has ${Object.keys(tests).join(", ")}`,
        );
      }
      if (typeof reason !== "string" || reason.trim().length < 3) {
        throw new Error(
          `${name} suite: disabling "${key}" needs a written reason, got ${JSON.stringify(reason)}`,
        );
      }
    }
    return { name, tests, disabled };
  };
  return Object.assign(factory, { suiteName: name });
}

/**
 * Checks that every standard suite is in the list, so leaving one out is an error, not a silent
 * escape: a plugin that cannot pass a suite disables it with a reason.
 */
export function assertComplete<H>(
  who: string,
  suites: readonly ConformanceSuite<H>[],
  standard: readonly { suiteName: string }[],
): void {
  const names = new Set(suites.map((s) => s.name));
  const missing = standard.filter((s) => !names.has(s.suiteName)).map((s) => s.suiteName);
  if (missing.length > 0) {
    throw new Error(
      `${who}: suites lack ${missing.join(", ")}; add them, or opt out with <suite>({ disable: { ALL: "why" } })`,
    );
  }
  const dupes = suites.filter((s, i) => suites.findIndex((t) => t.name === s.name) !== i);
  if (dupes.length > 0) throw new Error(`${who}: suite ${dupes[0]?.name} is listed twice`);
}

/** Registers one `describe` per suite; disabled and statically skipped tests carry their reason. */
export function registerSuites<H>(
  suites: readonly ConformanceSuite<H>[],
  harness: H,
  timeoutMs: number,
): void {
  for (const suite of suites) {
    describe(suite.name, () => {
      for (const [key, test] of Object.entries(suite.tests)) {
        const reason = suite.disabled[key] ?? suite.disabled.ALL;
        if (reason !== undefined) {
          it(`${test.title} [disabled: ${reason}]`, (ctx) => ctx.skip(reason));
          continue;
        }
        const unmet = test.skipUnless?.(harness);
        if (unmet !== undefined) {
          it(`${test.title} [skipped: ${unmet}]`, (ctx) => ctx.skip(unmet));
          continue;
        }
        it(test.title, { timeout: timeoutMs }, async (ctx) => {
          await test.run(harness, ctx);
        });
      }
    });
  }
}
