import { describe, expect, it } from "vitest";
import { statusToEvent, toAmount1000, toGraphSendBody } from "../src/map.js";

describe("map: canonical ↔ Graph payloads", () => {
  it("amount_1000 is the amount times 1000 whatever the currency's minor unit", () => {
    expect(toAmount1000(12345, "BRL")).toBe(123450); // R$ 123,45
    expect(toAmount1000(1, "BRL")).toBe(10); // R$ 0,01
    expect(toAmount1000(500, "JPY")).toBe(500000); // ¥500, no minor unit
    expect(toAmount1000(1234, "KWD")).toBe(1234); // 1.234 KWD, three decimals
    expect(toAmount1000(0, "BRL")).toBe(0);
  });

  it("caps biz_opaque_callback_data at Meta's 512 characters and strips the + from `to`", () => {
    const body = toGraphSendBody(
      { actionKey: "k".repeat(600), to: "+5511987654321", text: "oi", preview: "oi" },
      "pt_BR",
    );
    expect(body.biz_opaque_callback_data).toHaveLength(512);
    expect(body.to).toBe("5511987654321");
  });

  it("uses the message's document as the header when the template names none", () => {
    const body = toGraphSendBody(
      {
        actionKey: "k",
        to: "+5511987654321",
        template: { name: "t", language: "", body: [] },
        document: { link: "https://x.example/b.pdf", filename: "b.pdf" },
        preview: "",
      },
      "pt_BR",
    );
    expect(body).toMatchObject({
      type: "template",
      template: {
        language: { code: "pt_BR" },
        components: [
          {
            type: "header",
            parameters: [{ type: "document", document: { link: "https://x.example/b.pdf" } }],
          },
        ],
      },
    });
  });

  it("ignores statuses régua does not track, and names a failure without errors", () => {
    const base = { id: "wamid.1", timestamp: "1767225600", recipient_id: "5511987654321" };
    expect(statusToEvent({ ...base, status: "deleted" })).toBeNull();
    expect(statusToEvent({ ...base, status: "failed" })).toMatchObject({
      status: "failed",
      error: { code: "unknown" },
      at: "2026-01-01T00:00:00.000Z",
      actionKey: null,
      recipient: "+5511987654321",
    });
  });
});
