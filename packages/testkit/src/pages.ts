import type { Page } from "@regua/core";

/** Every page a listing yields, in order. */
export async function collectPages<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Every item of every page a listing yields, in order. */
export async function allItems<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  return (await collectPages(pages)).flatMap((page) => page.items);
}

/** The error `fn` rejects with; fails the test when it resolves instead. */
export async function failureOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, and it succeeded");
}
