import { expect } from "vitest";
import { defineConnectorSuite } from "./harness.js";

import { expectNotOlder, fingerprint, pickOpenInvoice } from "./invoices.js";
import { listedIds } from "./list.js";

/** Cursors: a sync cut short resumes without gaps, and the next sync lists only what changed. */
export const resumeSuite = defineConnectorSuite("resume", {
  midwayCursor: {
    title: "resumes from a mid-way cursor with the rest and no gaps",
    async run(h, ctx) {
      const pages = await h.fullListing("invoices");
      if (pages.length < 2) return ctx.skip("only one page of invoices");
      const middle = Math.floor(pages.length / 2) - 1;
      const cursor = pages[middle]?.cursor;
      expect(cursor, "a page followed by more pages has a cursor").toBeTruthy();
      const resumed = listedIds(await h.list("invoices", { cursor }));
      expect([...resumed].sort()).toEqual([...listedIds(pages.slice(middle + 1))].sort());
    },
  },
  incremental: {
    title: "lists less from the last cursor than from the start when nothing changed",
    async run(h) {
      const pages = await h.fullListing("invoices");
      const last = pages.at(-1)?.cursor;
      expect(last, "the last page's cursor is the next incremental start").toBeTruthy();
      const again = listedIds(await h.list("invoices", { cursor: last }));
      expect(again.length).toBeLessThan(listedIds(pages).length);
    },
  },
  listsChanges: {
    title: "after a change, lists the changed invoice from the last cursor",
    skipUnless: (h) => (h.mutate ? undefined : "no mutate hook"),
    async run(h) {
      const pages = await h.fullListing("invoices");
      const target = await pickOpenInvoice(h);
      const before = fingerprint(target);
      await h.mutate!(target);
      const changed = (await h.list("invoices", { cursor: pages.at(-1)?.cursor ?? null })).flatMap(
        (page) => page.items,
      );
      const seen = changed.find((inv) => inv.externalId === target.externalId);
      expect(seen, `invoice ${target.externalId} is listed after its change`).toBeDefined();
      expect(fingerprint(seen as typeof target)).not.toEqual(before);
      expectNotOlder(seen as typeof target, target);
    },
  },
});
