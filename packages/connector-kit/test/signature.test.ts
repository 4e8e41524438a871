import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { headerOf, hmacSha256Matches } from "../src/index.js";

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const secret = "app-secret-0123456789";
const digest = (encoding: "hex" | "base64") => createHmac("sha256", secret).update(body).digest(encoding);

describe("hmacSha256Matches", () => {
  it("accepts Meta's `sha256=<hex>` and Intuit's bare base64, and nothing else", () => {
    expect(
      hmacSha256Matches(body, `sha256=${digest("hex")}`, { secret, encoding: "hex", prefix: "sha256=" }),
    ).toBe(true);
    expect(
      hmacSha256Matches(body, `SHA256=${digest("hex").toUpperCase()}`, {
        secret,
        encoding: "hex",
        prefix: "sha256=",
      }),
    ).toBe(true);
    expect(hmacSha256Matches(body, digest("base64"), { secret, encoding: "base64" })).toBe(true);
    // The right digest in the wrong dress, a digest of other bytes, another secret, garbage.
    expect(hmacSha256Matches(body, digest("hex"), { secret, encoding: "hex", prefix: "sha256=" })).toBe(
      false,
    );
    expect(hmacSha256Matches(Buffer.from(`${body} `), digest("base64"), { secret, encoding: "base64" })).toBe(
      false,
    );
    expect(hmacSha256Matches(body, digest("base64"), { secret: "another-secret", encoding: "base64" })).toBe(
      false,
    );
    expect(hmacSha256Matches(body, "sha256=zz", { secret, encoding: "hex", prefix: "sha256=" })).toBe(false);
    expect(hmacSha256Matches(body, undefined, { secret, encoding: "hex" })).toBe(false);
    expect(hmacSha256Matches(body, digest("hex"), { secret: "", encoding: "hex" })).toBe(false);
  });

  it("reads a header whatever its case, the first of repeated values", () => {
    const req = {
      method: "POST",
      path: "/",
      query: {},
      rawBody: body,
      headers: { "X-Hub-Signature-256": ["a", "b"] },
    };
    expect(headerOf(req, "x-hub-signature-256")).toBe("a");
    expect(headerOf(req, "intuit-signature")).toBeUndefined();
  });
});
