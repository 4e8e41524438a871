import { describe, expect, it } from "vitest";
import { readAhead } from "../src/snapshots.js";

/** A source that logs when each item is asked for, read, and when it is closed. */
function logged(items: number[], log: string[], failAt?: number) {
  return (async function* () {
    try {
      for (const item of items) {
        log.push(`read ${item}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (item === failAt) throw new Error(`read ${item} failed`);
        yield item;
      }
    } finally {
      log.push("closed");
    }
  })();
}

describe("readAhead", () => {
  it("reads the next item while the caller works on this one, and yields all in order", async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const item of readAhead(logged([1, 2, 3], log))) {
      log.push(`use ${item}`);
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3]);
    // Asked past its last item while the caller still works on item 3, the source ends there.
    expect(log).toEqual(["read 1", "read 2", "use 1", "read 3", "use 2", "closed", "use 3"]);
  });

  it("waits for the item in flight, then closes the source, when the caller stops early", async () => {
    const log: string[] = [];
    for await (const item of readAhead(logged([1, 2, 3], log))) {
      log.push(`use ${item}`);
      break;
    }
    expect(log).toEqual(["read 1", "read 2", "use 1", "closed"]);
  });

  it("throws a read-ahead failure at the caller's next step, after it used the item before", async () => {
    const log: string[] = [];
    const seen: number[] = [];
    await expect(async () => {
      for await (const item of readAhead(logged([1, 2, 3], log, 2))) seen.push(item);
    }).rejects.toThrow("read 2 failed");
    expect(seen).toEqual([1]);
  });

  it("yields nothing for an empty source", async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const item of readAhead(logged([], log))) seen.push(item);
    expect(seen).toEqual([]);
    expect(log).toEqual(["closed"]);
  });
});
