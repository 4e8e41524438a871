import { isReguaError } from "@regua/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCheckpoint } from "../src/index.js";

const RestCheckpoint = defineCheckpoint({
  kind: "@regua/connector-rest",
  version: 1,
  schema: z.object({
    since: z.iso.datetime().nullable(),
    next: z.union([z.string(), z.number()]).nullable(),
  }),
});

function failure(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isReguaError(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("typed checkpoints", () => {
  it("round-trips a checkpoint, and absent means list everything", () => {
    const text = RestCheckpoint.encode({ since: "2026-03-01T00:00:00.000Z", next: 3 });
    expect(RestCheckpoint.decode(text, "erp-main invoices")).toEqual({
      since: "2026-03-01T00:00:00.000Z",
      next: 3,
    });
    expect(RestCheckpoint.decode(null, "erp-main invoices")).toBeNull();
  });

  it("refuses a corrupt checkpoint, naming the source", () => {
    const error = failure(() => RestCheckpoint.decode('{"kind":"@regua/conn', "erp-main invoices"));
    expect(error.code).toBe("VALIDATION");
    expect(error.message).toMatch(/^erp-main invoices: the stored checkpoint is not JSON/);
  });

  it("refuses another connector's checkpoint, naming both", () => {
    const sap = defineCheckpoint({
      kind: "@regua/connector-sap-b1",
      version: 1,
      schema: z.object({ skip: z.number() }),
    });
    const error = failure(() => RestCheckpoint.decode(sap.encode({ skip: 20 }), "erp-main invoices"));
    expect(error.code).toBe("CONFIG");
    expect(error.message).toContain("belongs to @regua/connector-sap-b1 v1, not @regua/connector-rest v1");
    expect(failure(() => RestCheckpoint.decode('{"v":1,"since":null}', "erp-main invoices")).code).toBe(
      "CONFIG",
    );
  });

  it("refuses a checkpoint whose fields no longer parse, naming the field", () => {
    const text = JSON.stringify({
      kind: "@regua/connector-rest",
      v: 1,
      at: { since: "yesterday", next: null },
    });
    const error = failure(() => RestCheckpoint.decode(text, "erp-main invoices"));
    expect(error.code).toBe("VALIDATION");
    expect(error.message).toMatch(/^erp-main invoices checkpoint: since: /);
  });
});
